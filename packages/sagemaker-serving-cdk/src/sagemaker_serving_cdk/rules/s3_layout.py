"""Key prefixes shared by the buckets, the endpoint configs and the tools that upload or read there.

Pure (no CDK, no config), so that config validation, constructs and tools import it without cycles.
"""

# Async inference requests (input bucket), results and failures (output bucket) live under async/<endpoint>/
# (config.serving.async_paths decides the rest).
ASYNC_PREFIX = "async/"
