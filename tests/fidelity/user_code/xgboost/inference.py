"""A user's own XGBoost handler (not the project's), with a sibling module: served by the XGBoost image."""
import json
import os

import xgboost

from parsing import rows_from_csv


def model_fn(model_dir):
    booster = xgboost.Booster()
    booster.load_model(os.path.join(model_dir, "xgboost-model"))
    return booster


def input_fn(request_body, content_type):
    if content_type != "text/csv":
        raise ValueError("text/csv only")
    return xgboost.DMatrix(rows_from_csv(request_body))


def predict_fn(data, booster):
    return booster.predict(data)


def output_fn(scores, accept):
    return json.dumps({"scores": [round(float(s), 6) for s in scores], "handler": "user"}), "application/json"
