"""The framework containers this handler and the demo model are built for, and what those images pin.

The serving stack names the image with these constants; the training pins in requirements-dev.txt
must match them, because a pickled model only loads reliably in the library version that wrote it
(tests/inference/test_framework_pins.py checks both). IMAGE_PINS are the serving packages each image
installs, read from the image's Dockerfiles and requirements.txt (aws/sagemaker-scikit-learn-container
tag 1.2-1, aws/sagemaker-xgboost-container tag v3.0-5). The container-fidelity tests install exactly
these from PyPI on the image's Python (tools/serving_stacks/), and fail when the two drift apart.
"""

# SageMaker scikit-learn inference image "1.2-1": scikit-learn 1.2.1 on Python 3.9.
SKLEARN_FRAMEWORK_VERSION = "1.2-1"
SKLEARN_VERSION = "1.2.1"
SKLEARN_CONTAINER_PYTHON = (3, 9)

# SageMaker XGBoost image whose library matches the xgboost-cpu pin the tests train with.
XGBOOST_FRAMEWORK_VERSION = "3.0-5"
XGBOOST_VERSION = "3.0.5"
XGBOOST_CONTAINER_PYTHON = (3, 10)

# Serving packages per image (name -> version), as the image installs them.
IMAGE_PINS = {
    ("sklearn", SKLEARN_FRAMEWORK_VERSION): {
        "python": "3.9",
        "scikit-learn": SKLEARN_VERSION,
        "numpy": "1.24.1",
        "scipy": "1.8.0",
        "pandas": "1.1.3",
        # single-model: gunicorn + Flask through sagemaker-containers
        "sagemaker-containers": "2.8.6.post2",
        "flask": "1.1.1",
        "werkzeug": "2.0.3",
        "gunicorn": "23.0.0",
        "gevent": "23.9.1",
        # multi-model: MMS + the inference toolkit
        "multi-model-server": "1.1.1",
        "sagemaker-inference": "1.2.0",
    },
    ("xgboost", XGBOOST_FRAMEWORK_VERSION): {
        "python": "3.10",
        # the image installs the `xgboost` wheel; the same release's CPU-only build `xgboost-cpu`
        # stands in for it here (the GPU wheel adds ~300 MB of NCCL the CPU path never loads)
        "xgboost-cpu": XGBOOST_VERSION,
        "numpy": "2.1.0",
        "scipy": "1.15.0",
        "pandas": "2.2.3",
        "scikit-learn": "1.5.2",
        "sagemaker-containers": "2.8.6.post2",
        "flask": "1.1.1",
        "werkzeug": "0.15.6",
        "gunicorn": "23.0.0",
        "gevent": "23.9.1",
        "multi-model-server": "1.1.2",
        "sagemaker-inference": "1.5.5",
    },
}


# The image model packages are registered with (`tools.ops model push --register`); the Serving stack lets the
# execution role pull it for registry models.
REGISTRY_PACKAGE_FRAMEWORK = ("sklearn", SKLEARN_FRAMEWORK_VERSION)
