"""A scikit-learn handler in the style of SageMaker's tutorials: model_fn, input_fn, predict_fn, output_fn.

It imports pandas, which the scikit-learn 1.2-1 image ships (pandas 1.1.3): serve it through the image's
stack (`make serve`, tools/serving_runtime.py), not the project's .venv, which has no pandas.
Its sibling module preprocessing.py is packed next to it under code/ and imported as usual.
"""
import json
import os
from io import StringIO

import joblib
import pandas as pd

from preprocessing import FEATURES, clean


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def input_fn(request_body, request_content_type):
    if isinstance(request_body, (bytes, bytearray)):
        request_body = request_body.decode("utf-8")
    if request_content_type == "text/csv":
        frame = pd.read_csv(StringIO(request_body), header=None)
    elif request_content_type == "application/json":
        frame = pd.DataFrame(json.loads(request_body))
    else:
        raise ValueError("unsupported content type: {}".format(request_content_type))
    return clean(frame)


def predict_fn(input_data, model):
    return model.predict(input_data)


def output_fn(prediction, accept):
    return json.dumps({"labels": prediction.tolist(), "features": FEATURES}), "application/json"
