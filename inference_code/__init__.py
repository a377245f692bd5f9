"""The handler SageMaker's framework containers load, plus the versions it is built against.

Only ``inference.py`` and ``requirements.txt`` ship inside model.tar.gz (under ``code/``); this
package exists so the CDK app and the tools can import the container version from one place.
"""
