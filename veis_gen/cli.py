"""The ``veis-gen`` command."""
from __future__ import annotations

import argparse
import sys

from segkit.errors import run_command
from veis_gen import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="veis-gen", description="VEIS-style synthetic urban scenes with exact labels")
    parser.add_argument("--version", action="version", version=f"veis-gen {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return run_command("veis-gen", lambda: args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
