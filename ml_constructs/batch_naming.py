"""Moved to the construct library as sagemaker_serving_cdk.rules.batch_naming (pure, stdlib only).

This name stays an alias of that module (the same object, private names included) for the app's imports.
"""

import sys

from sagemaker_serving_cdk.rules import batch_naming as _moved

sys.modules[__name__] = _moved
