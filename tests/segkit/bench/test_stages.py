"""Cached stages: run once, then skipped while their settings hold; other settings are refused."""
import io

import pytest

from segkit.bench.stages import MARKER, run_stage
from segkit.errors import UserError


def test_a_stage_runs_once_and_refuses_other_settings(tmp_path):
    calls = []
    work = lambda: calls.append(1) or {"images": 3}  # noqa: E731
    first = run_stage(tmp_path / "s", "make", work, settings={"share": 0.5, "crop": [1, 2]}, log=io.StringIO())
    again = run_stage(tmp_path / "s", "make", work, settings={"share": 0.5, "crop": [1, 2]}, log=io.StringIO())
    assert calls == [1] and first == again and first["images"] == 3 and first["settings"] == {"share": 0.5, "crop": [1, 2]}
    with pytest.raises(UserError, match=r"s: made with share = 0\.5, now 0\.2: use another --out, or remove"):
        run_stage(tmp_path / "s", "make", work, settings={"share": 0.2, "crop": [1, 2]}, log=io.StringIO())
    with pytest.raises(UserError, match=r"made with mode = None, now 'fused'"):
        run_stage(tmp_path / "s", "make", work, settings={"share": 0.5, "crop": [1, 2], "mode": "fused"}, log=io.StringIO())
    assert calls == [1]


def test_a_stage_without_recorded_settings_is_reused(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / MARKER).write_text('{"stage": "make", "seconds": 1.0}')  # an older run's marker
    assert run_stage(tmp_path / "old", "make", lambda: 1 / 0, settings={"share": 0.5}, log=io.StringIO())["seconds"] == 1.0
