"""benchmarks/generalisation.py's table on made-up results (no training)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "generalisation.py"


def _load():
    spec = importlib.util.spec_from_file_location("generalisation", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(miou):
    return {"mIoU": miou, "mIoU_things": 10.0, "mIoU_stuff": 40.0, "iou": {"Car": 50.0, "Pedestrian": None, "Bicyclist": 0.0,
                                                                                "SignSymbol": 12.0}}


def test_each_variant_row_has_its_seeds_and_spread(tmp_path, monkeypatch):
    module = _load()
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    results = {"baseline": {0: {"deeplab": _row(34.0), "minutes": 8.0}, 1: {"deeplab": _row(36.0), "minutes": 8.0}},
               "fused": {0: {"deeplab_psgt": _row(30.0), "ours_psgt": _row(38.0), "minutes": 4.0},
                         1: {"deeplab_psgt": _row(32.0), "ours_psgt": _row(36.0), "minutes": 4.0}}}
    results["background"] = {s: {"deeplab_psgt": _row(29.0), "ours_psgt": _row(35.0), "minutes": 3.0} for s in (0, 1, 2)}
    results["mixstyle"] = {0: {"deeplab": _row(33.0), "minutes": 8.0}, 1: {"deeplab": _row(34.0), "minutes": 8.0}}
    module.write_table(results, [0, 1, 2])
    table = (tmp_path / "generalisation.md").read_text()
    assert "| baseline | appearance | issue 20's recipe, no augmentation | deeplab | 34.0 | 36.0 | – | **35.0 ± 1.4** |  |" in table
    assert "| mixstyle | appearance |" in table and "| deeplab | 33.0 | 34.0 | – | **33.5 ± 0.7** | -1.5 |" in table
    assert "| fused | pseudo |" in table and "| ours_psgt | 38.0 | 36.0 | – | **37.0 ± 1.4** | +2.0 |" in table
    assert "| deeplab_psgt | 29.0 | 29.0 | 29.0 | **29.0 ± 0.0** |  |" in table  # three seeds; a baseline has no Δ
    assert "| 0.0 ± 0.0 | 0.0 ± 0.0 | 12.0 ± 0.0 | 8.0 ± 0.0 |" in table  # a class without a score counts as 0
    assert (tmp_path / "generalisation.png").is_file() and (tmp_path / "generalisation.json").is_file()
