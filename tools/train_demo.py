"""Train the demo model the Dev environment ships: a deterministic scikit-learn classifier.

    python -m tools.train_demo --out build/demo-model

Writes model.joblib and schema.json. Breast-cancer data ships inside scikit-learn, so nothing is
downloaded. The packaged tarball's hash (and so the CDK asset, and the template that names it) must
move only when the model does, on every machine: a laptop's `cdk deploy` and the pipeline's synth must
publish the same asset for the same commit.

A fit is not bit-reproducible across machines: BLAS kernels (OpenBLAS picks one per CPU) and thread
counts sum floats in different orders, so the fitted coefficients differ in their last bits. So every
fitted floating-point parameter is rounded to SIGNIFICANT_DIGITS significant digits, by Python's
correctly rounded decimal formatting (the same on every platform), before the model is saved. Ulp-level
noise then vanishes while predictions stay the same (tests/gates/test_reproducibility.py builds the
tarball under several kernels and thread counts and asserts one sha256).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

MODEL_FILE = "model.joblib"
SCHEMA_FILE = "schema.json"
RANDOM_STATE = 0
# Kernel noise is ~1e-16 relative; 8 digits keep predictions unchanged and leave a 1e-8 chance per value
# that noise straddles a rounding boundary (the reproducibility test would catch it).
SIGNIFICANT_DIGITS = 8


def fit() -> Any:
    """The demo pipeline fitted on the bundled data set, as the fit left it (machine-dependent bits)."""
    # Imported late so --help stays fast.
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    dataset = load_breast_cancer()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=RANDOM_STATE))
    return model.fit(dataset.data, dataset.target)


def round_significant(values: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """A float array (or scalar) rounded to `digits` significant digits, identically on every platform."""
    import numpy as np

    array = np.asarray(values)
    rounded = np.array([float(format(value, f".{digits - 1}e")) for value in array.ravel().tolist()],
                       dtype=array.dtype).reshape(array.shape)
    return rounded if isinstance(values, np.ndarray) else rounded.item()


def quantize_fitted(model: Any) -> Any:
    """Round every fitted floating-point attribute (scikit-learn's trailing-underscore ones) of every step."""
    import numpy as np

    steps = [step for _, step in model.steps] if hasattr(model, "steps") else [model]
    for step in steps:
        for name, value in vars(step).items():
            if name.endswith("_") and not name.startswith("_") and np.issubdtype(np.asarray(value).dtype, np.floating):
                setattr(step, name, round_significant(value))
    return model


def train(out_dir: Path) -> Path:
    """Fit the demo pipeline and write it with its schema into out_dir; returns out_dir."""
    import joblib
    from sklearn.datasets import load_breast_cancer

    model = quantize_fitted(fit())
    dataset = load_breast_cancer()
    out_dir.mkdir(parents=True, exist_ok=True)
    # Protocol 4 is readable by every Python the framework images run (3.8+ reads 5 too, 3.7 does not).
    joblib.dump(model, out_dir / MODEL_FILE, protocol=4)
    schema = {
        "features": [str(name) for name in dataset.feature_names],
        "target": "diagnosis",
        "classes": [str(name) for name in dataset.target_names],
    }
    (out_dir / SCHEMA_FILE).write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.train_demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="directory to write model.joblib and schema.json to")
    args = parser.parse_args(argv)
    out_dir = train(args.out)
    print(f"wrote {out_dir / MODEL_FILE} and {out_dir / SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
