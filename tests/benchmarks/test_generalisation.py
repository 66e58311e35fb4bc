"""benchmarks/generalisation.py's table on made-up results (no training)."""
from __future__ import annotations

import json

import pytest


def _row(miou):
    return {"mIoU": miou, "mIoU_things": 10.0, "mIoU_stuff": 40.0, "iou": {"Car": 50.0, "Pedestrian": None, "Bicyclist": 0.0,
                                                                                "SignSymbol": 12.0}}


def test_each_variant_row_has_its_seeds_and_spread(tmp_path, monkeypatch, benchmark_script):
    module = benchmark_script("generalisation")
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    results = {"baseline": {0: {"deeplab": _row(34.0), "minutes": 8.0}, 1: {"deeplab": _row(36.0), "minutes": 8.0}},
               "fused": {0: {"deeplab_psgt": _row(30.0), "ours_psgt": _row(38.0), "minutes": 4.0},
                         1: {"deeplab_psgt": _row(32.0), "ours_psgt": _row(36.0), "minutes": 4.0}}}
    results["background"] = {s: {"deeplab_psgt": _row(29.0), "ours_psgt": _row(35.0), "minutes": 3.0} for s in (0, 1, 2)}
    machine = {"cpus": 2, "cpu": "AMD EPYC", "cpu_capability": "AVX512", "torch": "2.14.1", "device": "cpu"}
    results["mixstyle"] = {0: {"deeplab": _row(33.0), "minutes": 8.0, "machine": machine},
                           1: {"deeplab": _row(34.0), "minutes": 8.0, "machine": machine}}
    module.write_table(results, [0, 1, 2])
    table = (tmp_path / "generalisation.md").read_text()
    assert "| baseline | appearance | issue 20's recipe, no augmentation | deeplab | 34.0 | 36.0 | – | **35.0 ± 1.4** |  |" in table
    assert "| mixstyle | appearance |" in table and "| deeplab | 33.0 | 34.0 | – | **33.5 ± 0.7** | -1.5 |" in table
    assert "| fused | pseudo |" in table and "| ours_psgt | 38.0 | 36.0 | – | **37.0 ± 1.4** | +2.0 |" in table
    assert "| deeplab_psgt | 29.0 | 29.0 | 29.0 | **29.0 ± 0.0** |  |" in table  # three seeds; a baseline has no Δ
    assert "| 0.0 ± 0.0 | 0.0 ± 0.0 | 12.0 ± 0.0 | 8.0 ± 0.0 |" in table  # a class without a score counts as 0
    assert "Machine: 2 CPUs (AMD EPYC, AVX512), torch 2.14.1 on cpu." in table
    assert (tmp_path / "generalisation.png").is_file() and (tmp_path / "generalisation.json").is_file()


def test_recorded_results_stand_in_for_runs_that_are_gone(tmp_path, monkeypatch, capsys, benchmark_script):
    module = benchmark_script("generalisation")
    monkeypatch.setattr(module, "RESULTS", tmp_path / "results")
    module.write_table({"baseline": {0: {"deeplab": _row(34.0), "minutes": 8.0}, 1: {"deeplab": _row(36.0), "minutes": 8.0}}},
                       [0, 1])
    recorded = tmp_path / "earlier.json"
    (tmp_path / "results" / "generalisation.json").rename(recorded)
    (tmp_path / "camvid").mkdir()
    (tmp_path / "camvid" / "val.txt").write_text("")
    (tmp_path / "base" / "seed0" / "data" / "source").mkdir(parents=True)
    ran = []
    monkeypatch.setattr(module, "run", lambda name, seed, *_: ran.append((name, seed)) or {"deeplab": _row(30.0), "minutes": 7.0})
    argv = ["--camvid", str(tmp_path / "camvid"), "--base", str(tmp_path / "base"), "--runs", str(tmp_path / "runs"),
            "--recorded", str(recorded)]
    assert module.main(argv + ["--variant", "baseline", "--variant", "mixstyle"]) == 0
    assert ran == [("mixstyle", 0), ("mixstyle", 1)]  # baseline's two seeds come from the recorded file
    table = (tmp_path / "results" / "generalisation.md").read_text()
    assert "| deeplab | 34.0 | 36.0 | **35.0 ± 1.4** |" in table and "| deeplab | 30.0 | 30.0 | **30.0 ± 0.0** | -5.0 |" in table
    assert "Taken from an earlier run's generalisation.json (its run folders not kept): baseline seeds 0, 1." in table
    assert json.loads((tmp_path / "results" / "generalisation.json").read_text())["recorded"] == {"baseline": [0, 1]}

    # A run folder that finished takes precedence over the record; a variant's missing inputs are named before anything runs.
    (tmp_path / "runs" / "baseline_s1").mkdir(parents=True)
    (tmp_path / "runs" / "baseline_s1" / "sim2real.json").write_text("{}")
    ran.clear()
    assert module.main(argv + ["--variant", "baseline", "--results", str(tmp_path / "elsewhere")]) == 0
    assert ran == [("baseline", 1)] and (tmp_path / "elsewhere" / "generalisation.png").is_file()
    assert "| deeplab | 34.0 | 30.0 |" in (tmp_path / "elsewhere" / "generalisation.md").read_text()
    with pytest.raises(SystemExit):
        module.main(argv + ["--variant", "share50", "--seeds", "0"])
    assert f"share50 seed 0 needs {tmp_path / 'base' / 'seed0' / 'models' / 'seg_veis'}: make it first" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a variant that continues another runs after it
        module.main(argv + ["--variant", "share50_round2", "--variant", "share50", "--seeds", "0"])
    assert "--variant share50_round2 continues share50's runs: name that variant before it" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        module.main(argv[:-1] + [str(tmp_path / "camvid" / "val.txt")])
    assert "--recorded" in capsys.readouterr().err and ran == [("baseline", 1)]
