"""What the suites share: percentages as both reports wrote them, and which data each suite's rows train on."""
from __future__ import annotations

import json
import math

import pytest

from segkit.bench.sim2real import Sim2RealConfig, Sim2RealSuite
from segkit.bench.suite import Suite, percent
from segkit.bench.table2 import ROWS, Table2Config, Table2Suite, needed_data

VALUES = [0.0, 0.5, 1 / 3, 0.123456789, 0.98765, 1.0, None]


def test_percent_writes_the_bytes_each_report_wrote():
    def table2_before(value):
        return None if value is None else 100 * value

    def sim2real_before(value):
        return None if value is None or value != value else round(100 * value, 2)

    assert json.dumps([percent(v) for v in VALUES]) == json.dumps([table2_before(v) for v in VALUES])
    assert json.dumps([percent(v, digits=2) for v in VALUES]) == json.dumps([sim2real_before(v) for v in VALUES])
    assert percent(0.0) == 0.0 and percent(1 / 3, digits=2) == 33.33 and percent(0.98765, digits=1) == 98.8
    assert percent(math.nan) is None and percent(math.nan, digits=2) is None  # strict JSON has no NaN


def test_table2_rows_need_the_data_their_models_train_on():
    every = {"cityscapes", "gta5", "veis"}
    expected = {"gta5": {"cityscapes", "gta5"}, "veis": {"cityscapes", "veis"}, "gta5_veis": every, "ours": every,
                "gta5_veis_psgt": every, "ours_psgt": every}
    assert {row: needed_data([row]) for row in ROWS} == expected
    assert needed_data([]) == {"cityscapes"} and needed_data(list(ROWS)) == every


def test_each_suite_trains_on_its_own_data(tmp_path):
    table2 = Table2Suite(Table2Config(out=tmp_path, veis="V"))
    assert table2.target == "cityscapes:val" and table2.teacher(1) == "gta5" and table2.teacher(2) == "retrain"
    assert [table2.datasets(k) for k in ("gta5", "veis", "gta5_veis")] == [("gta5",), ("veis:V",), ("gta5", "veis:V")]
    assert table2.datasets("retrain") == ("gta5", "veis:V", f"pseudo:{tmp_path / 'pseudo'}")
    assert table2.datasets("retrain_round3") == ("gta5", "veis:V", f"pseudo:{tmp_path / 'pseudo_round3'}")

    sim2real = Sim2RealSuite(Sim2RealConfig(out=tmp_path), tmp_path / "source")
    assert sim2real.target == "camvid:val" and sim2real.teacher(1) == "veis"
    assert sim2real.datasets("oracle") == ("camvid:train",)
    assert sim2real.datasets("retrain_round2") == (f"veis:{tmp_path / 'source'}", f"pseudo:{tmp_path / 'pseudo_round2'}")
    with pytest.raises(NotImplementedError):
        Suite(Table2Config(out=tmp_path), target="cityscapes:val").datasets("gta5")
