"""``gym-http-conformance URL``: run the cases against a server, report a
verdict per profile, and exit non-zero unless every selected profile
conforms, so CI can gate on it."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from . import __version__
from .cases import PROFILES, default_cases_dir, load_case_files
from .report import CONFORMS, NOT_CHECKED, junit_xml, summary, verdict_table, verdicts, write_line
from .runner import AUTH_PROFILE, NO_TOKEN, run_cases
from .transport import Transport


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gym-http-conformance",
        description="Check a gym-http-api server against the language-neutral conformance cases.",
    )
    p.add_argument("url", nargs="?", help="base URL of the server, e.g. http://127.0.0.1:5000")
    p.add_argument(
        "--cases",
        type=Path,
        default=None,
        help=f"directory of case files (default: the packaged {default_cases_dir()})",
    )
    p.add_argument(
        "--junit",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write a JUnit XML report to FILE",
    )
    p.add_argument(
        "--profile",
        dest="profiles",
        action="append",
        choices=PROFILES,
        metavar="NAME",
        help="only this profile (repeatable; default: every "
        "profile, each with its own verdict): " + ", ".join(PROFILES),
    )
    p.add_argument(
        "-k",
        dest="select",
        default="",
        metavar="SUBSTRING",
        help="only cases whose topic/name contains SUBSTRING",
    )
    p.add_argument(
        "--token",
        default=None,
        help="the server's bearer token, sent on every request; the auth profile "
        "runs only with it (with --start-reference: the reference server "
        "requires it). Default: $GYM_HTTP_TOKEN, else $GYM_HTTP_SERVER_TOKEN",
    )
    p.add_argument(
        "--start-reference",
        action="store_true",
        help="start the reference gym-http-server on a free port and check it",
    )
    p.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="with --start-reference: a module registering extra environments",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def token_from_environment() -> str | None:
    """The token the SDKs read (GYM_HTTP_TOKEN), else the one the server reads."""
    return os.environ.get("GYM_HTTP_TOKEN") or os.environ.get("GYM_HTTP_SERVER_TOKEN") or None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.token = args.token or token_from_environment()
    if bool(args.url) == args.start_reference:
        parser().error("give a server URL, or --start-reference (not both)")
    if args.url:
        try:
            Transport(args.url)
        except ValueError as error:
            parser().error(str(error))
    case_files = load_case_files(args.cases)
    if args.start_reference:
        from .reference import reference_server

        server = reference_server(args.imports, token=args.token)
    else:
        server = nullcontext(args.url)
    with server as base_url:
        print(f"gym-http-conformance {__version__}: checking {base_url}", flush=True)
        results = run_cases(
            base_url,
            case_files,
            select=args.select,
            profiles=args.profiles,
            on_result=lambda result: write_line(result, sys.stdout),
            token=args.token,
        )
    print(summary(results))
    if args.junit:
        args.junit.write_bytes(junit_xml(results, base_url))
    if not results:
        print("no cases selected", file=sys.stderr)
        return 2
    table = verdicts(results)
    print("\n" + verdict_table(table))
    # Without a token the auth profile cannot be checked; that alone is no failure.
    gated = [
        v
        for v in table
        if not (v.profile == AUTH_PROFILE and v.verdict == NOT_CHECKED and not args.token)
    ]
    if len(gated) < len(table):
        print(f"{AUTH_PROFILE}: not checked ({NO_TOKEN})")
    return 0 if all(v.verdict == CONFORMS for v in gated) else 1
