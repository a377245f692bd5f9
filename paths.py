"""Where the project lives (PROJECT_ROOT, the one definition): app.py runs from the root, but tests and tools
may not, so paths resolve from here. Pure: config, stacks and tools all import it."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
