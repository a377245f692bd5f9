"""Day-two operations on deployed endpoints and batch runs: python -m tools.ops --help."""
