"""Start a framework image's model server the way its `serve` entry point does, bound to 127.0.0.1.

    <stack python> launch.py --port N [--multi-model]

Runs on the stack's Python with the container environment already set by tools/serving_runtime.py
(SAGEMAKER_BASE_DIR standing in for /opt/ml, SAGEMAKER_PROGRAM, SAGEMAKER_SUBMIT_DIRECTORY, ...).
Single model (sagemaker-containers' _server.start): pip-install the user module from
SAGEMAKER_SUBMIT_DIRECTORY, then exec gunicorn with the image's worker settings. Multi-model (the
images' serving_mms.start_model_server): import the user module at start the same way, write MMS's
config as the image's config.properties.tmp does, then exec multi-model-server in the foreground.
Differences from the images, all about the host: no nginx in front (its config sets no body limit),
127.0.0.1 instead of 0.0.0.0, and MMS's JVM flags without -XX:+UseParNewGC, which Java 9+ rejects.
"""
import argparse
import math
import multiprocessing
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MAX_CONTENT_LEN = 6 * 1024 ** 2  # serving_mms.DEFAULT_MAX_CONTENT_LEN
MAX_CONTENT_LEN_LIMIT = 20 * 1024 ** 2  # serving_mms.MAX_CONTENT_LEN_LIMIT


def import_user_module_at_start():
    from sagemaker_containers import _env, _modules

    serving_env = _env.ServingEnv()
    if serving_env.module_name is None:
        if os.environ.get("SAGEMAKER_FRAMEWORK") == "xgboost":
            sys.exit(
                "launch: SAGEMAKER_PROGRAM is unset, so the XGBoost image would serve the model with its built-in "
                "algorithm-mode handler (sagemaker_xgboost_container.algorithm_mode), which is not published on "
                "PyPI and cannot run here"
            )
        return None
    _modules.import_module(serving_env.module_dir, serving_env.module_name)
    return serving_env


def start_gunicorn(port):
    from sagemaker_containers import _env

    serving_env = _env.ServingEnv()
    # sagemaker-containers' server.start imports (and pip-installs) the module only when one is named
    import_user_module_at_start()
    pythonpath = ",".join(sys.path + [_env.code_dir, HERE])
    workers = serving_env.model_server_workers
    os.execv(sys.executable, [
        sys.executable, "-m", "gunicorn",
        "--timeout", str(serving_env.model_server_timeout),
        "-k", "gevent",
        "--pythonpath", pythonpath,
        "-b", "127.0.0.1:{}".format(port),
        "--worker-connections", str(1000 * workers),
        "-w", str(workers),
        "--log-level", "info",
        "serving:main",
    ])


def start_mms(port, scratch):
    import sagemaker_inference

    import_user_module_at_start()
    max_content_length = int(os.environ.get("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LEN))
    max_content_length = min(max_content_length, MAX_CONTENT_LEN_LIMIT)  # the image caps it silently
    max_workers = multiprocessing.cpu_count()
    heap_mb = math.ceil((max_workers + 2 * max_workers) * (max_content_length / 1024 ** 2) * 1.2) + 128
    config = os.path.join(scratch, "config.properties")
    with open(config, "w") as handle:
        handle.write("\n".join([
            "vmargs=-XX:-UseLargePages -XX:MaxMetaspaceSize=32M -XX:InitiatingHeapOccupancyPercent=25"
            " -Xms{0}m -Xmx{0}m -XX:MaxDirectMemorySize={0}m".format(heap_mb),
            "model_store=/",
            "load_models=",
            "inference_address=http://127.0.0.1:{}".format(port),
            "management_address=http://127.0.0.1:{}".format(port),
            "default_workers_per_model={}".format(os.environ.get("SAGEMAKER_NUM_MODEL_WORKERS", "1")),
            "max_request_size={}".format(os.environ.get("SAGEMAKER_MAX_REQUEST_SIZE", max_content_length)),
            "decode_input_request=false",
            "default_service_handler=handler_service",
            "job_queue_size={}".format(os.environ.get("SAGEMAKER_MODEL_JOB_QUEUE_SIZE", "100")),
            "preload_model=true",
            "",
        ]))
    # mms_patch.model_server: the code dir goes first on the workers' PYTHONPATH, then the handler service
    code_dir = os.path.join(os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml"), "models", "code")
    os.environ["PYTHONPATH"] = ":".join(filter(None, [code_dir, HERE, os.environ.get("PYTHONPATH")]))
    log_config = os.path.join(os.path.dirname(sagemaker_inference.__file__), "etc", "log4j.properties")
    os.execv(sys.executable, [
        sys.executable, "-c", "import sys; from mms.model_server import start; sys.argv[0] = 'multi-model-server'; start()",
        "--start", "--foreground", "--mms-config", config, "--log-config", log_config,
    ])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--multi-model", action="store_true")
    parser.add_argument("--scratch", required=True)
    args = parser.parse_args()
    if args.multi_model:
        start_mms(args.port, args.scratch)
    else:
        start_gunicorn(args.port)


if __name__ == "__main__":
    main()
