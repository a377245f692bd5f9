"""The framework containers this handler and the demo model are built for.

The serving stack names the image with these constants; the training pins in requirements-dev.txt
must match them, because a pickled model only loads reliably in the library version that wrote it
(tests/inference/test_framework_pins.py checks both).
"""

# SageMaker scikit-learn inference image "1.2-1": scikit-learn 1.2.1 on Python 3.9.
SKLEARN_FRAMEWORK_VERSION = "1.2-1"
SKLEARN_VERSION = "1.2.1"
SKLEARN_CONTAINER_PYTHON = (3, 9)

# SageMaker XGBoost image whose library matches the xgboost-cpu pin the tests train with.
XGBOOST_FRAMEWORK_VERSION = "3.0-5"
XGBOOST_VERSION = "3.0.5"

# The image model packages are registered with (`tools.ops model push --register`); the Serving stack lets the
# execution role pull it for registry models.
REGISTRY_PACKAGE_FRAMEWORK = ("sklearn", SKLEARN_FRAMEWORK_VERSION)

# How a framework image finds the handler packed in model.tar.gz under code/ (ARCHITECTURE 6.6). Models built
# by the CDK and model packages registered by `tools.ops model push` carry the same environment.
HANDLER_PROGRAM = "inference.py"
HANDLER_SUBMIT_DIRECTORY = "/opt/ml/model/code"
CONTAINER_LOG_LEVEL = "20"  # logging.INFO


def handler_environment(region: str) -> dict:
    return {
        "SAGEMAKER_PROGRAM": HANDLER_PROGRAM,
        "SAGEMAKER_SUBMIT_DIRECTORY": HANDLER_SUBMIT_DIRECTORY,
        "SAGEMAKER_CONTAINER_LOG_LEVEL": CONTAINER_LOG_LEVEL,
        "SAGEMAKER_REGION": region,
    }
