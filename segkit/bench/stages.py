"""Stages that cache their outputs: a stage whose marker exists is skipped, so a killed suite continues."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Callable

from segkit.formats.atomic import write_json

MARKER = "stage_done.json"


def run_stage(folder: Path, name: str, work: Callable[[], dict | None], *, log=None) -> dict:
    """Run ``work`` once: later calls find ``folder/stage_done.json`` and return what it recorded."""
    log = log or sys.stderr  # looked up now: the stream may have been replaced since import
    marker = Path(folder) / MARKER
    if marker.is_file():
        print(f"[{name}] done before, skipped", file=log)
        return json.loads(marker.read_text())
    print(f"[{name}] running", file=log)
    started = time.perf_counter()
    result = work() or {}
    record = {"stage": name, "seconds": round(time.perf_counter() - started, 2), **result}
    write_json(marker, record)
    return record
