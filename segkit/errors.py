"""Errors caused by what the user gave us: the CLIs print them as one line, without a traceback."""
from __future__ import annotations

import sys
from typing import Callable


class UserError(Exception):
    """A bad file, folder, argument or value. The message names the file and the problem."""


def check_fraction(flag: str, value: float) -> None:
    """A score, confidence or threshold: 0..1 (NaN included in the refusal)."""
    if not 0.0 <= value <= 1.0:
        raise UserError(f"{flag}: expected a number from 0 to 1, got {value}")


def check_at_least(config, minimums: dict[str, int]) -> None:
    """Each named setting of ``config`` is at least its minimum; the flag is the setting's name with dashes."""
    for name, least in minimums.items():
        if getattr(config, name) < least:
            raise UserError(f"--{name.replace('_', '-')}: expected at least {least}, got {getattr(config, name)}")


def run_command(prog: str, command: Callable[[], int]) -> int:
    """Run a CLI command: a UserError, or a file system error naming its file (a read-only folder, a full
    disk, a file where a folder should be), becomes one line on stderr and exit status 2."""
    try:
        return command()
    except UserError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:
        if exc.filename is None:  # not about a file the user named: a bug, keep its traceback
            raise
        print(f"{prog}: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
