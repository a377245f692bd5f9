"""Where the project lives: app.py runs from the root, but tests and tools may not, so paths resolve from here."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
