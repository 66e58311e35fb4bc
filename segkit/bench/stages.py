"""Stages that cache their outputs: a stage whose marker exists is skipped, so a killed suite continues."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Callable

from segkit.errors import UserError
from segkit.formats.atomic import write_json

MARKER = "stage_done.json"


def run_stage(folder: Path, name: str, work: Callable[[], dict | None], *, settings: dict | None = None, log=None) -> dict:
    """Run ``work`` once: later calls find ``folder/stage_done.json`` and return what it recorded. ``settings``, what
    the outputs depend on, are recorded; a later call with other settings is refused, not served the old outputs."""
    log = log or sys.stderr  # looked up now: the stream may have been replaced since import
    marker = Path(folder) / MARKER
    if marker.is_file():
        record = json.loads(marker.read_text())
        _check_settings(folder, record.get("settings"), settings)
        print(f"[{name}] done before, skipped", file=log)
        return record
    print(f"[{name}] running", file=log)
    started = time.perf_counter()
    result = work() or {}
    record = {"stage": name, "seconds": round(time.perf_counter() - started, 2), **result}
    if settings is not None:
        record["settings"] = settings
    write_json(marker, record)
    return record


def _check_settings(folder: Path, recorded: dict | None, settings: dict | None) -> None:
    if recorded is None or settings is None:  # a stage of an older run, or one without settings
        return
    for key in sorted(set(recorded) | set(settings)):
        if recorded.get(key) != settings.get(key):
            raise UserError(f"{folder}: made with {key} = {recorded.get(key)!r}, now {settings.get(key)!r}: use another "
                            f"--out, or remove {folder} to redo it")
