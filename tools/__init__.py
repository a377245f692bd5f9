"""Small command-line tools around the stacks (run as `python -m tools.NAME`)."""
