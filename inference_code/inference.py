"""SageMaker inference handler for scikit-learn and XGBoost models.

The framework containers import this file as ``inference`` (SAGEMAKER_PROGRAM=inference.py) and call
model_fn once per worker, then input_fn -> predict_fn -> output_fn per request.

Model directory (what model.tar.gz unpacks to):
    model.joblib | model.pkl   a scikit-learn estimator (joblib or plain pickle)
    xgboost-model              an XGBoost Booster (native format, or pickled as older containers wrote it)
    schema.json                optional: {"features": ["name", ...]} in model column order; maps named
                               JSON fields and CSV headers to columns

Requests: application/json, text/csv (header optional; MultiRecord batches), application/jsonlines,
application/x-npy. Responses: application/json, text/csv (one line per record, prediction only, so
batch transform's assemble_with=Line and join_source=Input line up), application/jsonlines.

Client errors are InferenceError, a sagemaker-inference GenericInferenceToolkitError: the toolkit's
Transformer turns a raised one into its status (400/406/415) with the message as reason and body. On the
scikit-learn image's single-model Flask server, which would turn any exception into a 500, the error
is passed along as a value and output_fn answers it with its status (see _in_flask_worker).
(The toolkit's own UnsupportedFormatError is not used: it is no BaseInferenceToolkitError, so the
Transformer reports it as a 500.)

Runs on the container's Python 3.9 and numpy; imports only what the framework images ship.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import pickle
import sys
from typing import Any, NamedTuple, Optional, Sequence

import numpy as np

try:
    from sagemaker_inference.errors import GenericInferenceToolkitError as _ToolkitError
except ImportError:  # keeps the handler importable without the toolkit (e.g. plain scripts)

    class _ToolkitError(Exception):  # type: ignore[no-redef]
        def __init__(self, status_code, message=None, phrase=None):
            self.status_code = status_code
            self.message = message or "Invalid Request"
            self.phrase = phrase or self.message
            super().__init__(status_code, self.message, self.phrase)


JSON = "application/json"
CSV = "text/csv"
JSONLINES = "application/jsonlines"
NPY = "application/x-npy"

SUPPORTED_CONTENT_TYPES = (JSON, CSV, JSONLINES, NPY)
SUPPORTED_ACCEPT_TYPES = (JSON, CSV, JSONLINES)
_ALIASES = {"application/x-jsonlines": JSONLINES, "application/jsonl": JSONLINES}

SCHEMA_FILE = "schema.json"
SKLEARN_MODEL_FILES = ("model.joblib", "model.pkl")
XGBOOST_MODEL_FILE = "xgboost-model"
MODEL_FILES = SKLEARN_MODEL_FILES + (XGBOOST_MODEL_FILE,)

# Column names shown in error messages are cut after this many, to keep the reason phrase short.
_MAX_NAMES_IN_MESSAGE = 8
_MAX_VALUE_IN_MESSAGE = 40
_MAX_PHRASE = 500


def _ascii_phrase(message: str) -> str:
    """The message as an HTTP reason phrase: one line of ASCII (non-ASCII as \\u escapes), bounded.

    MMS (multi-model endpoints) writes the phrase with a length counted in characters but sends UTF-8
    bytes, so a single non-ASCII character desyncs the protocol and kills the worker. The body keeps
    the message as UTF-8.
    """
    phrase = " ".join(message.split()).encode("ascii", "backslashreplace").decode("ascii")
    return phrase if len(phrase) <= _MAX_PHRASE else phrase[: _MAX_PHRASE - 3] + "..."


class InferenceError(_ToolkitError):
    """A request the handler refuses; status_code is what the client receives."""

    def __init__(self, status_code: int, message: str):
        super().__init__(status_code, message, _ascii_phrase(message))

    def __str__(self) -> str:
        return self.message


def _bad_request(message: str) -> InferenceError:
    return InferenceError(400, message)


# The scikit-learn image serves a single model with sagemaker-containers on Flask, which wraps
# every exception from these functions into a 500. There a rejected request travels as a value
# from input_fn/predict_fn to output_fn, which answers it with its own status. The
# sagemaker-inference Transformer (multi-model endpoints, MMS-based images) maps raised
# toolkit errors to their status, so everywhere else the error is raised.
def _in_flask_worker() -> bool:
    flask = sys.modules.get("flask")
    return flask is not None and flask.has_request_context()


def _reject(error: InferenceError) -> InferenceError:
    if _in_flask_worker():
        return error
    raise error


def _flask_error_response(error: InferenceError):
    import flask

    return flask.Response(error.message + "\n", status=error.status_code, mimetype="text/plain")


# --------------------------------------------------------------------------------------------------
# Model loading


class Prediction(NamedTuple):
    """What predict_fn returns: one prediction per record, class probabilities where the model has them."""

    predictions: np.ndarray
    probabilities: Optional[np.ndarray]


class _SklearnModel:
    def __init__(self, estimator: Any, feature_names: Optional[Sequence[str]]):
        self.estimator = estimator
        n = getattr(estimator, "n_features_in_", None)
        self.n_features: Optional[int] = int(n) if n is not None else None
        model_names = getattr(estimator, "feature_names_in_", None)
        self.feature_names = _feature_names(feature_names, model_names, self.n_features)
        self._has_proba = hasattr(estimator, "predict_proba")

    def predict(self, matrix: np.ndarray) -> Prediction:
        predictions = np.asarray(self.estimator.predict(matrix))
        # predict() is called even with probabilities at hand: for some estimators (e.g. SVC)
        # the argmax of predict_proba is not what predict returns.
        probabilities = np.asarray(self.estimator.predict_proba(matrix)) if self._has_proba else None
        return Prediction(predictions, probabilities)


class _XGBoostModel:
    def __init__(self, booster: Any, feature_names: Optional[Sequence[str]]):
        import xgboost  # only the XGBoost image has it

        self._xgboost = xgboost
        self.booster = booster
        self.n_features: Optional[int] = int(booster.num_features())
        self._booster_names = booster.feature_names
        self.feature_names = _feature_names(feature_names, self._booster_names, self.n_features)
        config = json.loads(booster.save_config())
        self.objective = config["learner"]["objective"]["name"]

    def predict(self, matrix: np.ndarray) -> Prediction:
        dmatrix = self._xgboost.DMatrix(matrix, feature_names=self._booster_names)
        scores = np.asarray(self.booster.predict(dmatrix))
        if self.objective == "binary:logistic":
            return Prediction((scores > 0.5).astype(np.int64), np.column_stack([1.0 - scores, scores]))
        if self.objective == "multi:softprob" and scores.ndim == 2:
            return Prediction(scores.argmax(axis=1), scores)
        return Prediction(scores, None)


def _feature_names(schema_names, model_names, n_features):
    """Schema names win; they must agree with what the model itself knows."""
    if model_names is not None:
        model_names = [str(name) for name in model_names]
    if schema_names is None:
        return tuple(model_names) if model_names is not None else None
    if n_features is not None and len(schema_names) != n_features:
        raise ValueError(
            f"{SCHEMA_FILE} lists {len(schema_names)} features but the model expects {n_features}"
        )
    if model_names is not None and list(schema_names) != model_names:
        raise ValueError(
            f"{SCHEMA_FILE} features {_names(schema_names)} differ from the model's own "
            f"feature names {_names(model_names)}"
        )
    return tuple(schema_names)


def load_schema(model_dir: str) -> Optional[dict]:
    """The parsed schema.json, or None when the model ships without one."""
    path = os.path.join(model_dir, SCHEMA_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        schema = json.load(handle)
    features = schema.get("features") if isinstance(schema, dict) else None
    if (
        not isinstance(features, list)
        or not features
        or not all(isinstance(name, str) and name for name in features)
    ):
        raise ValueError(f'{path} must be an object with "features": a non-empty list of column names')
    if len(set(features)) != len(features):
        raise ValueError(f"{path} lists a feature name more than once")
    return schema


def _load_booster(path: str) -> Any:
    import xgboost

    booster = xgboost.Booster()
    try:
        booster.load_model(path)
        return booster
    except xgboost.core.XGBoostError:
        pass
    # Older SageMaker XGBoost script-mode jobs pickled the Booster (or an XGBModel) instead.
    with open(path, "rb") as handle:
        loaded = pickle.load(handle)  # noqa: S301 - the artifact is our own model
    return loaded.get_booster() if hasattr(loaded, "get_booster") else loaded


# Multi-model endpoints import one handler module at container start (from SAGEMAKER_SUBMIT_DIRECTORY)
# and use it for every model. A model that carries a different handler under code/ is served by that
# handler instead: model_fn loads it and the other functions forward to it. Each MMS worker process
# serves exactly one model, so one module-level delegate per process is enough.
_DELEGATE: Any = None
_DELEGATED_FUNCTIONS = ("input_fn", "predict_fn", "output_fn")


def _own_handler(model_dir: str) -> Optional[str]:
    """model_dir/code/<SAGEMAKER_PROGRAM> when it exists and is not this very file."""
    program = os.path.basename(os.environ.get("SAGEMAKER_PROGRAM") or "inference.py")
    program = program if program.endswith(".py") else program + ".py"
    path = os.path.join(model_dir, "code", program)
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as theirs, open(os.path.abspath(__file__), "rb") as ours:
        return None if theirs.read() == ours.read() else path


def _load_delegate(path: str) -> Any:
    import hashlib
    import importlib.util

    code_dir = os.path.dirname(path)
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)  # its sibling modules
    with open(path, "rb") as handle:
        name = "model_handler_" + hashlib.sha256(handle.read()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    missing = [fn for fn in ("model_fn",) + _DELEGATED_FUNCTIONS if not callable(getattr(module, fn, None))]
    if missing:
        raise ValueError(
            f"{path} must define model_fn, input_fn, predict_fn and output_fn to serve its model on a "
            f"multi-model endpoint; missing: {', '.join(missing)}"
        )
    return module


def model_fn(model_dir: str):
    """Load whichever supported model file the directory holds, with its schema (or the model's own handler)."""
    global _DELEGATE
    own = _own_handler(model_dir)
    if own is not None:
        _DELEGATE = _load_delegate(own)
        return _DELEGATE.model_fn(model_dir)
    present = [name for name in MODEL_FILES if os.path.isfile(os.path.join(model_dir, name))]
    if len(present) != 1:
        found = ", ".join(present) or "none of them"
        raise ValueError(f"{model_dir} must hold exactly one of {', '.join(MODEL_FILES)}; found {found}")
    schema = load_schema(model_dir)
    schema_names = schema["features"] if schema else None
    path = os.path.join(model_dir, present[0])
    if present[0] == XGBOOST_MODEL_FILE:
        return _XGBoostModel(_load_booster(path), schema_names)
    import joblib  # installed with scikit-learn; also reads plain pickles

    return _SklearnModel(joblib.load(path), schema_names)


# --------------------------------------------------------------------------------------------------
# Request parsing


class Records(NamedTuple):
    """What input_fn hands to predict_fn. input_fn cannot see the model, so names are resolved later.

    Exactly one of ``matrix`` (rows of floats; ``header`` names its columns when the CSV had one)
    and ``named`` (one dict per record) is set.
    """

    matrix: Optional[np.ndarray] = None
    header: Optional[Sequence[str]] = None
    named: Optional[list] = None


def _media_type(value: Optional[str]):
    """'Text/CSV; charset=utf-8; header=present' -> ('text/csv', {'charset': 'utf-8', 'header': 'present'})."""
    if not value:
        return "", {}
    parts = value.split(";")
    media = parts[0].strip().lower()
    params = {}
    for part in parts[1:]:
        key, _, val = part.partition("=")
        params[key.strip().lower()] = val.strip().strip('"')
    return _ALIASES.get(media, media), params


def _text(body: Any, params: dict) -> str:
    if isinstance(body, str):
        return body
    try:
        return bytes(body).decode(params.get("charset") or "utf-8")
    except (UnicodeDecodeError, LookupError) as error:
        raise _bad_request(f"request body is not valid {params.get('charset') or 'utf-8'} text: {error}")


def _unexpected(error: Exception) -> InferenceError:
    """A bug, not a bad request: still a toolkit error, so its reason phrase stays ASCII (see _ascii_phrase)."""
    return InferenceError(500, f"internal error in the handler: {type(error).__name__}: {error}")


def input_fn(request_body: Any, request_content_type: Optional[str]):
    """Decode the request body into Records; unsupported types give 415, malformed bodies 400."""
    if _DELEGATE is not None:
        return _DELEGATE.input_fn(request_body, request_content_type)
    try:
        return _parse_request(request_body, request_content_type)
    except InferenceError as error:
        return _reject(error)
    except Exception as error:  # noqa: BLE001 - see _unexpected
        return _reject(_unexpected(error))


def _parse_request(request_body: Any, request_content_type: Optional[str]) -> Records:
    media, params = _media_type(request_content_type or JSON)
    if media not in SUPPORTED_CONTENT_TYPES:
        raise InferenceError(
            415,
            f"Content-Type {request_content_type!r} is not supported; "
            f"send one of: {', '.join(SUPPORTED_CONTENT_TYPES)}",
        )
    if request_body is None or len(request_body) == 0:
        raise _bad_request("request body is empty; send at least one record")
    if media == NPY:
        return _parse_npy(request_body)
    text = _text(request_body, params)
    if text.startswith("\ufeff"):  # a UTF-8 byte order mark, as Excel writes CSV exports
        text = text[1:]
    if "\ufffd" in text:  # the scikit-learn image's Flask server decodes leniently, replacing bad bytes
        raise _bad_request(
            f"request body is not valid utf-8 text (invalid bytes near character {text.index(chr(0xFFFD))})"
        )
    if not text or text.isspace():  # isspace, unlike strip, does not copy a 100 MB body
        raise _bad_request("request body is empty; send at least one record")
    if media == CSV:
        return _parse_csv(text, params.get("header"))
    if media == JSONLINES:
        return _records_from_json_list(_parse_jsonlines(text), "record")
    return _parse_json(text)


def _parse_npy(body: Any) -> Records:
    if isinstance(body, str):
        raise _bad_request("application/x-npy body must be binary .npy bytes")
    try:
        array = np.load(io.BytesIO(bytes(body)), allow_pickle=False)
    except Exception as error:  # numpy raises several types for a corrupt header
        raise _bad_request(f"body is not a valid .npy array: {error}")
    if array.dtype.kind not in "biuf":
        raise _bad_request(f".npy array has dtype {array.dtype}; send a numeric array")
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[0] == 0:
        raise _bad_request(f".npy array has shape {array.shape}; send (records, features)")
    return Records(matrix=array.astype(np.float64, copy=False))


def _parse_json(text: str) -> Records:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise _bad_request(f"malformed JSON: {error}")
    if isinstance(data, dict):
        if "instances" in data:
            instances = data["instances"]
            if not isinstance(instances, list):
                raise _bad_request('"instances" must be a list of records')
            return _records_from_json_list(instances, "record")
        return _records_from_json_list([data], "record")
    if isinstance(data, list):
        if data and all(_is_scalar(value) for value in data):
            return _records_from_json_list([data], "record")  # a flat list is one record
        return _records_from_json_list(data, "record")
    raise _bad_request("JSON body must be an object, a list of objects or a list of lists")


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (int, float, str))


def _parse_jsonlines(text: str) -> list:
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        # One parse of the whole batch is several times faster than a json.loads per line.
        return json.loads("[" + ",".join(lines) + "]")
    except ValueError:
        pass
    for number, line in enumerate(lines, start=1):
        try:
            json.loads(line)
        except ValueError as error:
            raise _bad_request(f"record {number}: malformed JSON line: {error}")
    raise _bad_request("malformed JSON lines body")


def _records_from_json_list(items: list, unit: str) -> Records:
    if not items:
        raise _bad_request("no records in the request")
    # {"features": [...]} is the record shape SageMaker's built-in algorithms use.
    items = [
        item["features"] if isinstance(item, dict) and len(item) == 1 and "features" in item else item
        for item in items
    ]
    if all(isinstance(item, dict) for item in items):
        return Records(named=items)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, list):
            raise _bad_request(
                f"{unit} {number} is a JSON {type(item).__name__}; "
                "send all records as objects of named features or all as lists of values"
            )
    return Records(matrix=_rows_to_matrix(items, None, unit))


def _rows_to_matrix(rows: list, feature_names: Optional[Sequence[str]], unit: str) -> np.ndarray:
    """Lists of values -> float matrix; on failure find the first bad record and column."""
    try:
        matrix = np.array(rows, dtype=np.float64)
        if matrix.ndim == 2:
            return matrix
    except OverflowError:  # a JSON integer beyond float range (10**400): infinite, refused with its column later
        return _rows_to_matrix([_beyond_float_as_inf(row) for row in rows], feature_names, unit)
    except (ValueError, TypeError):
        pass
    width = len(rows[0])
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise _bad_request(f"{unit} {number} has {_count(len(row), 'value')} but {unit} 1 has {width}")
        for column, value in enumerate(row, start=1):
            if not _is_number(value):
                raise _bad_request(
                    f"{unit} {number}, {_column(column, feature_names)}: {_shown(value)} is not a number"
                )
    raise _bad_request("records could not be read as numbers")


def _is_number(value: Any) -> bool:
    if value is None:
        return True  # a missing value (NaN); the model decides whether it accepts it
    if isinstance(value, (list, dict)):
        return False
    try:
        float(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def _beyond_float_as_inf(row: Any) -> Any:
    if not isinstance(row, list):
        return row
    return [(math.inf if value > 0 else -math.inf) if _is_huge_int(value) else value for value in row]


def _is_huge_int(value: Any) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    try:
        float(value)
    except OverflowError:
        return True
    return False


def _shown(value: Any) -> str:
    """A rejected value for a message: its repr, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= _MAX_VALUE_IN_MESSAGE else f"{text[:_MAX_VALUE_IN_MESSAGE]}... ({len(text)} characters)"


def _column(position: int, feature_names: Optional[Sequence[str]]) -> str:
    if feature_names and position <= len(feature_names):
        return f"column {position} ({feature_names[position - 1]!r})"
    return f"column {position}"


def _parse_csv(text: str, header_param: Optional[str]) -> Records:
    first_line, _, rest = text.lstrip("\r\n").partition("\n")
    header = None
    if header_param == "present" or (header_param != "absent" and _looks_like_header(first_line)):
        header = [name.strip().strip('"') for name in first_line.strip().split(",")]
        text = rest
        if not text.strip():
            raise _bad_request("CSV body has a header but no records")
    try:
        # Vectorised C parser; comments=None so a stray '#' is an error, not a silently lost record.
        matrix = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64, comments=None, ndmin=2)
    except ValueError:
        matrix = _diagnose_csv(text, header)
    if matrix.shape[0] == 0:
        raise _bad_request("no records in the request")
    return Records(matrix=matrix, header=header)


def _looks_like_header(line: str) -> bool:
    cells = [cell.strip() for cell in line.split(",")]
    return all(cell and not _is_number(cell) for cell in cells)


def _diagnose_csv(text: str, header: Optional[Sequence[str]]) -> np.ndarray:
    """The slow path: name the first bad record and column, or read empty cells as missing (NaN)."""
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    offset = 1 if header else 0
    width = None
    rows = []
    for record, (number, line) in enumerate(lines, start=1):
        cells = line.split(",")
        where = f"record {record} (line {number + offset})"
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            raise _bad_request(f"{where} has {_count(len(cells), 'column')} but record 1 has {width}")
        row = []
        for column, cell in enumerate(cells, start=1):
            cell = cell.strip()
            if not cell:
                row.append(np.nan)
                continue
            try:
                row.append(float(cell))
            except ValueError:
                raise _bad_request(f"{where}, {_column(column, header)}: {_shown(cell)} is not a number")
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(rows), width or 0)


# --------------------------------------------------------------------------------------------------
# Prediction


def predict_fn(input_data: Any, model: Any):
    """Resolve named columns against the model's features, check the width, and predict."""
    if _DELEGATE is not None:
        return _DELEGATE.predict_fn(input_data, model)
    if isinstance(input_data, InferenceError):
        return input_data  # rejected in input_fn on the Flask path; output_fn answers it
    try:
        matrix = _to_model_matrix(input_data, model)
        _check_finite(matrix, model.feature_names)
        try:
            return model.predict(matrix)
        except ValueError as error:  # e.g. NaN given to a model that cannot take missing values
            raise _model_rejected(error, matrix, model.feature_names)
    except InferenceError as error:
        return _reject(error)
    except Exception as error:  # noqa: BLE001 - see _unexpected
        return _reject(_unexpected(error))


def _check_finite(matrix: np.ndarray, feature_names) -> None:
    """inf, -inf, JSON Infinity and numbers beyond float range (1e309) are refused, naming where.
    NaN stays: it is a missing value, and the model decides whether it takes those."""
    infinite = np.argwhere(np.isinf(matrix))
    if len(infinite):
        record, column = (int(index) + 1 for index in infinite[0])
        raise _bad_request(
            f"record {record}, {_column(column, feature_names)}: {matrix[record - 1, column - 1]} is not a finite "
            "number or is too large for a 64-bit float (values must lie within about +-1.8e308)"
        )


def _model_rejected(error: ValueError, matrix: np.ndarray, feature_names) -> InferenceError:
    reason = " ".join(str(error).split())
    missing = np.argwhere(np.isnan(matrix))
    if len(missing):
        record, column = (int(index) + 1 for index in missing[0])
        reason = f"record {record}, {_column(column, feature_names)} is missing; {reason}"
    return _bad_request(f"the model rejected the input: {reason}")


def _to_model_matrix(data: Any, model: Any) -> np.ndarray:
    names = model.feature_names
    if isinstance(data, np.ndarray):  # from another input_fn or the toolkit's default decoder
        data = Records(matrix=data if data.ndim == 2 else data.reshape(1, -1))
    if data.named is not None:
        if names is None:
            raise _bad_request(
                f"records use named features but the model has no {SCHEMA_FILE} listing its columns; "
                "send lists of values in training column order instead"
            )
        return _named_to_matrix(data.named, names)
    matrix = data.matrix
    if data.header is not None and names is not None:
        matrix = _reorder_by_header(matrix, data.header, names)
    expected = model.n_features
    if expected is not None and matrix.shape[1] != expected:
        listed = f" ({_names(names)})" if names else ""
        raise _bad_request(
            f"record 1 has {_count(matrix.shape[1], 'value')} but the model expects "
            f"{_count(expected, 'feature')}{listed}"
        )
    return matrix


def _named_to_matrix(records: list, names: Sequence[str]) -> np.ndarray:
    try:
        rows = [[record[name] for name in names] for record in records]
    except KeyError:
        rows = None
    if rows is None or any(len(record) != len(names) for record in records):
        _raise_first_name_mismatch(records, names)
    return _rows_to_matrix(rows, names, "record")


def _raise_first_name_mismatch(records: list, names: Sequence[str]) -> None:
    expected = set(names)
    for number, record in enumerate(records, start=1):
        missing = [name for name in names if name not in record]
        unknown = [key for key in record if key not in expected]
        problems = []
        if missing:
            problems.append(f"missing feature {_names(missing)}")
        if unknown:
            problems.append(f"unknown feature {_names(unknown)}")
        if problems:
            raise _bad_request(f"record {number}: {'; '.join(problems)}")


def _reorder_by_header(matrix: np.ndarray, header: Sequence[str], names: Sequence[str]) -> np.ndarray:
    if list(header) == list(names):
        return matrix
    unknown = [name for name in header if name not in names]
    missing = [name for name in names if name not in header]
    if unknown or missing or len(header) != matrix.shape[1]:
        problems = []
        if unknown:
            problems.append(f"unknown {_names(unknown)}")
        if missing:
            problems.append(f"missing {_names(missing)}")
        detail = "; ".join(problems) or f"{len(header)} names for {matrix.shape[1]} columns"
        raise _bad_request(f"CSV header does not match the model's features: {detail}")
    return matrix[:, [header.index(name) for name in names]]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(repr(str(name)) for name in names[:_MAX_NAMES_IN_MESSAGE])
    more = len(names) - _MAX_NAMES_IN_MESSAGE
    return shown + (f" and {more} more" if more > 0 else "")


# --------------------------------------------------------------------------------------------------
# Response encoding


def output_fn(prediction: Any, accept: Optional[str]):
    """Encode per Accept; returns (body, content type) so both toolkits set the response header."""
    if _DELEGATE is not None:
        return _DELEGATE.output_fn(prediction, accept)
    if isinstance(prediction, InferenceError):
        return _flask_error_response(prediction)
    try:
        media = negotiate_accept(accept)
    except InferenceError as error:
        if _in_flask_worker():
            return _flask_error_response(error)
        raise
    if not isinstance(prediction, Prediction):
        prediction = Prediction(np.asarray(prediction), None)
    if media == CSV:
        return _to_csv(prediction.predictions), CSV
    predictions = prediction.predictions.tolist()
    probabilities = None if prediction.probabilities is None else prediction.probabilities.tolist()
    if media == JSONLINES:
        if probabilities is None:
            lines = [json.dumps({"prediction": value}) for value in predictions]
        else:
            lines = [
                json.dumps({"prediction": value, "probabilities": probs})
                for value, probs in zip(predictions, probabilities)
            ]
        return "\n".join(lines), JSONLINES
    body = {"predictions": predictions}
    if probabilities is not None:
        body["probabilities"] = probabilities
    return json.dumps(body), JSON


def negotiate_accept(accept: Optional[str]) -> str:
    """Pick the response type from an Accept header (q-values honoured); 406 when none fits."""
    default = _media_type(os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"))[0]
    default = default if default in SUPPORTED_ACCEPT_TYPES else JSON
    if not accept or not accept.strip():
        return default
    choices = []
    for position, item in enumerate(accept.split(",")):
        media, params = _media_type(item)
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 0.0
        if media and quality > 0:
            choices.append((-quality, position, media))
    for _, _, media in sorted(choices):
        if media in SUPPORTED_ACCEPT_TYPES:
            return media
        if media == "*/*":
            return default
        if media == "text/*":
            return CSV
        if media == "application/*":
            return default if default != CSV else JSON
    raise InferenceError(
        406, f"Accept {accept!r} is not supported; ask for one of: {', '.join(SUPPORTED_ACCEPT_TYPES)}"
    )


def _to_csv(predictions: np.ndarray) -> str:
    """One line per record and no trailing newline, so assembled batch output stays line-aligned."""
    values = predictions.tolist()
    if predictions.ndim > 1:  # multi-output regressors: one CSV row per record
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(values)
        return buffer.getvalue().rstrip("\n")
    if predictions.dtype.kind in "OUS":  # string labels may need quoting
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([value] for value in values)
        return buffer.getvalue().rstrip("\n")
    return "\n".join(map(str, values))
