"""Run inference.py in-process through sagemaker-inference's Transformer, as the multi-model server does.

The images' multi-model server hands each request to a DefaultHandlerService whose Transformer imports
the user module named by SAGEMAKER_PROGRAM, calls model_fn once, then input_fn -> predict_fn ->
output_fn, and maps BaseInferenceToolkitError to the response status. RequestContext is the small part
of MMS's context the toolkit touches. This is the fast in-process path for unit tests and the
benchmark, on the project's .venv; it serves nothing else. Every model that is served (make serve, the
emulator's endpoints and transform jobs, tests/fidelity) runs in the images' real servers at their own
versions: tools/serving_runtime.py.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping, Optional

REPO_CODE_DIR = Path(__file__).resolve().parent.parent / "inference_code"
PROGRAM = "inference.py"


class _RequestProcessor:
    def __init__(self, headers: Mapping[str, str]):
        self._headers = dict(headers)

    def get_request_properties(self) -> dict:
        return self._headers


class RequestContext:
    """Stand-in for MMS's per-request Context: request headers in, status and content type out."""

    def __init__(self, model_dir: str, headers: Optional[Mapping[str, str]] = None):
        self.system_properties = {"model_dir": model_dir}
        self.request_processor = [_RequestProcessor(headers or {})]
        self.status_code = 200
        self.reason = "OK"
        self.content_type: Optional[str] = None

    def set_response_status(self, code: int = 200, phrase: str = "") -> None:
        self.status_code = code
        self.reason = phrase

    def set_response_content_type(self, index: int, content_type: str) -> None:
        self.content_type = content_type


class Response:
    """One invocation's outcome, as the model server would send it."""

    def __init__(self, status_code: int, reason: str, content_type: Optional[str], body: bytes):
        self.status_code = status_code
        self.reason = reason
        self.content_type = content_type
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def code_dir_for(model_dir: Path) -> Path:
    """model_dir/code: the handler the model carries (as model.tar.gz does). Never silently another one."""
    packed = model_dir / "code"
    if not (packed / PROGRAM).is_file():
        raise FileNotFoundError(f"{model_dir} carries no code/{PROGRAM}; pass code_dir to choose a handler")
    return packed


class HandlerService:
    """DefaultHandlerService wired as the framework images wire it, loaded once for model_dir."""

    def __init__(self, model_dir: Path, code_dir: Optional[Path] = None):
        from sagemaker_inference.default_handler_service import DefaultHandlerService
        from sagemaker_inference.transformer import Transformer

        self.model_dir = str(Path(model_dir).resolve())
        code_dir = Path(code_dir) if code_dir else code_dir_for(Path(self.model_dir))
        # The toolkit imports the module by name; the images put the code dir on the path first.
        os.environ["SAGEMAKER_PROGRAM"] = PROGRAM
        if str(code_dir) not in sys.path:
            sys.path.insert(0, str(code_dir))
        self._service = DefaultHandlerService(transformer=Transformer())
        self._service.initialize(RequestContext(self.model_dir))

    def invoke(self, body: bytes, headers: Mapping[str, str]) -> Response:
        """One POST /invocations: MMS hands the body over as a bytearray with the request headers."""
        context = RequestContext(self.model_dir, headers)
        result = self._service.handle([{"body": bytearray(body)}], context)[0]
        data = result.encode("utf-8") if isinstance(result, str) else bytes(result)
        return Response(context.status_code, context.reason, context.content_type, data)
