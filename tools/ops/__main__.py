"""python -m tools.ops COMMAND ...: day-two operations on the deployed stacks (boto3).

Commands: invoke, traffic {show,set,canary}, status, batch run, metrics, model push, preflight. Every command takes --region,
--profile and --endpoint-url (http://localhost:PORT for the local emulator, which `make deploy-local` prints),
and --stage: then endpoints and batch transforms may be named as in config (`status realtime --stage dev`),
and the region defaults to the stage's.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional

import botocore.exceptions

from tools.ops import batch, invoke, metrics, model, names, preflight, status, traffic
from tools.ops.aws import Aws, OpsError


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--region", default=None, help="AWS region. Default: AWS_REGION or the profile's region")
    common.add_argument("--profile", default=None, help="AWS named profile. Default: the default credential chain")
    common.add_argument("--endpoint-url", default=None,
                        help="send every AWS call here, e.g. http://localhost:PORT (the local emulator)")
    common.add_argument("--stage", default=None,
                        help="an environment (dev, Staging, ...): names from its config are accepted, e.g. "
                             "`realtime` for its endpoint <name_prefix>-realtime; the region defaults to its region")
    parser = argparse.ArgumentParser(prog="python -m tools.ops", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (invoke, traffic, status, batch, metrics, model, preflight):
        module.add_parser(subparsers)
    # The AWS options work before or after the command name.
    for action in subparsers.choices.values():
        _add_common(action, common)
    return parser


def _add_common(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    own = {option for action in parser._actions for option in action.option_strings}
    for action in common._actions:
        if set(action.option_strings) & own:
            continue  # the command defines it itself (e.g. `model push --stage`, which it requires)
        parser.add_argument(*action.option_strings, dest=action.dest, default=argparse.SUPPRESS, help=action.help)
    for sub in parser._subparsers._group_actions[0].choices.values() if parser._subparsers else ():
        _add_common(sub, common)


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = names.resolve(args)
        region = args.region or (config.region if config else None)
        return args.handler(args, Aws(region=region, profile=args.profile, endpoint_url=args.endpoint_url))
    except OpsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except botocore.exceptions.ClientError as error:
        details = error.response.get("Error", {})
        print(f"error: {error.operation_name} failed: {details.get('Code')}: {details.get('Message')}", file=sys.stderr)
        return 1
    except botocore.exceptions.NoCredentialsError as error:
        print(f"error: {error}: configure credentials or pass --profile", file=sys.stderr)
        return 1
    except (botocore.exceptions.ProfileNotFound,
            botocore.exceptions.EndpointConnectionError, botocore.exceptions.NoRegionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
