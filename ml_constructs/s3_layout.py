"""Moved to the construct library as sagemaker_serving_cdk.rules.s3_layout (pure, stdlib only).

This name stays an alias of that module (the same object, private names included) for the app's imports.
"""

import sys

from sagemaker_serving_cdk.rules import s3_layout as _moved

sys.modules[__name__] = _moved
