"""benchmarks/gpu_check.py refuses bad arguments in one line before anything runs (GPU time is scarce)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_check.py"


@pytest.mark.parametrize("argv, message", [
    (["--camvid", "/missing"], "--camvid /missing: no train.txt and val.txt there"),  # before: ran it all, exit 0
    (["--out", "FILE"], "--out FILE: a file, not a folder"),  # before: a traceback
    (["--real-iterations", "0"], "--real-iterations: expected at least 1, got 0"),  # before: not checked
])
def test_bad_arguments_stop_before_anything_runs(tmp_path, argv, message):
    (tmp_path / "FILE").write_text("")
    argv = [str(tmp_path / "FILE") if a == "FILE" else a for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "report")]
    result = subprocess.run([sys.executable, str(SCRIPT), *argv], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and message.replace("FILE", str(tmp_path / "FILE")) in result.stderr
    assert not (tmp_path / "report").exists()
