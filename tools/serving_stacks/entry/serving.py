"""The WSGI app the framework images' gunicorn serves for a single model: the scikit-learn image's
`sagemaker_sklearn_container.serving:main` (the XGBoost image's `sagemaker_xgboost_container.serving:main`
is the same with XGBoost defaults). Neither package is published on PyPI, so their few lines of glue
are restated here on top of the published sagemaker-containers they use.

The user module named by SAGEMAKER_PROGRAM is imported (the launcher pip-installed it at start, as
the image does), its model_fn/input_fn/predict_fn/output_fn (or transform_fn) are wrapped in
sagemaker-containers' Transformer with the image's defaults, and sagemaker-containers' Flask Worker
serves /ping and /invocations. Runs on the stack's Python (3.9).
"""
import importlib

import numpy as np
from sagemaker_containers.beta.framework import content_types, encoders, env, modules, transformer, worker


def default_input_fn(input_data, content_type):
    array = encoders.decode(input_data, content_type)
    return array.astype(np.float32) if content_type in content_types.UTF8_TYPES else array


def default_predict_fn(input_data, model):
    return model.predict(input_data)


def default_output_fn(prediction, accept):
    return worker.Response(encoders.encode(prediction, accept), accept, mimetype=accept)


def user_module_transformer(user_module):
    model_fn = getattr(user_module, "model_fn", transformer.default_model_fn)
    transform_fn = getattr(user_module, "transform_fn", None)
    functions = [getattr(user_module, name, None) for name in ("input_fn", "predict_fn", "output_fn")]
    if transform_fn and any(functions):
        raise ValueError("Cannot use transform_fn implementation with input_fn, predict_fn, and/or output_fn")
    if transform_fn is not None:
        return transformer.Transformer(model_fn=model_fn, transform_fn=transform_fn)
    input_fn, predict_fn, output_fn = functions
    return transformer.Transformer(
        model_fn=model_fn,
        input_fn=input_fn or default_input_fn,
        predict_fn=predict_fn or default_predict_fn,
        output_fn=output_fn or default_output_fn,
    )


def import_user_module(module_name, module_dir):
    try:  # already installed at start
        user_module = importlib.import_module(module_name)
    except ImportError:
        user_module = modules.import_module(module_dir, module_name)
    user_transformer = user_module_transformer(user_module)
    user_transformer.initialize()
    return user_transformer, getattr(user_module, "execution_parameters_fn", None)


app = None


def main(environ, start_response):
    global app
    if app is None:
        serving_env = env.ServingEnv()
        user_transformer, execution_parameters_fn = import_user_module(serving_env.module_name, serving_env.module_dir)
        app = worker.Worker(transform_fn=user_transformer.transform, module_name=serving_env.module_name,
                            execution_parameters_fn=execution_parameters_fn)
    return app(environ, start_response)
