"""The generators live in scripts/ (not part of the installed package): the drift tests import them from there."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
