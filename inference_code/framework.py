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
