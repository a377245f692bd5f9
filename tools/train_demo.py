"""Train the demo model the Dev environment ships: a deterministic scikit-learn classifier.

    python -m tools.train_demo --out build/demo-model

Writes model.joblib and schema.json. Breast-cancer data ships inside scikit-learn, so nothing is
downloaded, and fixed seeds plus single-threaded fitting give the same bytes on every run; the packaged
tarball's hash (and so the CDK asset) moves only when the model does.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

MODEL_FILE = "model.joblib"
SCHEMA_FILE = "schema.json"
RANDOM_STATE = 0


def train(out_dir: Path) -> Path:
    """Fit the demo pipeline and write it with its schema into out_dir; returns out_dir."""
    # Imported late so --help stays fast.
    import joblib
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    dataset = load_breast_cancer()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=RANDOM_STATE))
    # One BLAS thread: multi-threaded reductions may sum floats in a different order per run.
    with threadpool_limits(limits=1):
        model.fit(dataset.data, dataset.target)

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
