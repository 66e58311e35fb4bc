"""benchmarks/generator_gaps.py: its settings files, commands and table on made-up results (no training)."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path


def _seed(deeplab, ours=None, bicyclist=0.0):
    iou = {"Road": 70.0, "Pavement": 20.0, "Car": 40.0, "Pedestrian": None, "Bicyclist": bicyclist, "SignSymbol": 5.0,
           "Pole": 0.0, "Fence": 1.0}
    rows = {"deeplab": {"mIoU": deeplab, "iou": iou}}
    if ours is not None:
        rows["ours"] = {"mIoU": ours, "iou": iou}
    return {"rows": rows, "recall": {"Car": 50.0, "Pedestrian": 40.0, "Bicyclist": 2.0} if ours else {},
            "minutes": 30.0, "generate_minutes": 3.0, "machine": {"cpus": 2, "cpu": "AMD EPYC", "torch": "2", "device": "cpu"}}


def test_a_variants_settings_are_the_camvid_style_and_its_own(benchmark_script):
    module = benchmark_script("generator_gaps")
    settings = tomllib.loads(module.variant_toml("all"))
    assert settings == {**module.CAMVID_STYLE, "cyclists_ahead": 0.5, "walking_groups": 0.5, "shop_fronts": 0.5,
                        "kerb_lines": 1.0, "car_detail": True, "sky": "graded", "shadows": True, "effects": "metered"}
    assert tomllib.loads(module.variant_toml("camvid")) == module.CAMVID_STYLE
    command = module.command("sky", 1, Path("/cv"), Path("/runs"), ["deeplab", "ours"])
    assert command[1:] == ["bench", "sim2real", "--camvid", "/cv", "--seed", "1", "--out", "/runs/sky_s1",
                           "--generate-config", "/runs/sky.toml", "--progress", "false", "--only", "deeplab",
                           "--only", "ours"]


def test_the_table_reads_each_variant_against_the_baseline_on_shared_seeds(tmp_path, benchmark_script):
    module = benchmark_script("generator_gaps")
    results = {"camvid": {0: _seed(30.0, 33.0), 1: _seed(34.0, 35.0)},
               "cyclists_ahead": {0: _seed(31.0, 36.0, bicyclist=10.0), 1: _seed(36.0, 37.0, bicyclist=20.0)},
               "sky": {0: _seed(29.0)}}
    table = module.write_table(results, tmp_path).read_text()
    assert "| camvid | today's CamVid style" in table and "| 0, 1 | **32.0 ± 2.8** |  | **34.0 ± 1.4** |  |" in table
    assert "| 0, 1 | **33.5 ± 3.5** | +1.5 | **36.5 ± 0.7** | +2.5 | 70.0 | 20.0 | 40.0 | 0.0 | 15.0 | 5.0 |" in table
    assert "| sky | graded skies with clouds | 0 | **29.0** | -1.0 | – |  |" in table
    assert "| 50.0 / 40.0 / 2.0 | 30 (3.0) |" in table and "| – / – / – | 30 (3.0) |" in table
    saved = json.loads((tmp_path / "generator_gaps.json").read_text())
    assert saved["variants"]["sky"]["settings"]["sky"] == "graded" and (tmp_path / "generator_gaps.png").is_file()


def test_the_baseline_always_runs_first(tmp_path, monkeypatch, capsys, benchmark_script):
    module = benchmark_script("generator_gaps")
    (tmp_path / "camvid").mkdir()
    (tmp_path / "camvid" / "val.txt").write_text("")
    ran = []
    monkeypatch.setattr(module, "run", lambda name, seed, *_: ran.append((name, seed)) or _seed(30.0, 31.0))
    assert module.main(["--camvid", str(tmp_path / "camvid"), "--variant", "shadows", "--seeds", "0", "1",
                        "--results", str(tmp_path / "out")]) == 0
    assert ran == [("camvid", 0), ("camvid", 1), ("shadows", 0), ("shadows", 1)]
    assert "| shadows |" in capsys.readouterr().out
