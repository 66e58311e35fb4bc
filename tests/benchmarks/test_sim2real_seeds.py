"""benchmarks/sim2real_seeds.py: the seed spread's arithmetic and table, on made-up reports (no training)."""
from __future__ import annotations


import pytest


@pytest.fixture(scope="module")
def seeds(benchmark_script):
    return benchmark_script("sim2real_seeds")


def _report(deeplab, ours, oracle=None):
    def row(miou, car):
        return {"mIoU": miou, "mIoU_things": car / 2, "mIoU_stuff": miou + 1, "iou": {"Road": 80.0, "Car": car}}

    rows = {"deeplab": row(deeplab, 40.0), "ours": row(ours, 50.0)}
    if oracle is not None:
        rows["oracle"] = row(oracle, 70.0)
    return {"target": "camvid:val", "classes": ["Road", "Car"], "rows": rows, "total_minutes": 30.0,
            "machine": {"cpus": 2}, "settings": {}}


def test_spread_is_the_mean_and_sample_deviation(seeds):
    assert seeds.spread([34.0, 36.0, 38.0]) == {"mean": 36.0, "sd": 2.0, "n": 3}
    assert seeds.spread([None, 10.0]) == {"mean": 10.0, "sd": None, "n": 1}
    assert seeds.spread([]) == {"mean": None, "sd": None, "n": 0}


def test_rows_gains_and_table(seeds):
    summary = seeds.summarise({0: _report(34.0, 37.0, oracle=54.0), 1: _report(30.0, 35.0), 2: _report(32.0, 36.0)})
    assert summary["rows"]["deeplab"]["mIoU"] == {"mean": 32.0, "sd": 2.0, "n": 3}
    assert summary["rows"]["oracle"]["mIoU"] == {"mean": 54.0, "sd": None, "n": 1}  # ran for seed 0 only
    assert list(summary["rows"]) == ["deeplab", "ours", "oracle"]  # the suite's order; rows no seed ran are left out
    fusion = summary["gains"]["fusion (Ours - DeepLab)"]
    assert fusion["per_seed"] == {0: 3.0, 1: 5.0, 2: 4.0} and fusion["mean"] == 4.0 and fusion["sd"] == 1.0
    assert "ps-GT (Ours & ps-GT - Ours)" not in summary["gains"]  # no seed ran those rows
    table = seeds.markdown(summary)
    assert "| DeepLab (synthetic only) | 34.0 | 30.0 | 32.0 | **32.0 ± 2.0** |" in table
    assert "| Oracle (DeepLab on the target's real labels) | 54.0 | not run | not run | **54.0** |" in table
    assert "| fusion (Ours - DeepLab) | +3.0 | +5.0 | +4.0 | 4.0 ± 1.0 |" in table
    assert "Machine: 2 CPUs (model not recorded, ?), torch None on None, platform not recorded." in table
