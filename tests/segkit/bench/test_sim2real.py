"""`segkit bench sim2real` end to end on a tiny CamVid-layout tree with tiny models: generation at the target's
size, every row, a run cut short that resumes without redoing a stage, and the detector's pixel accounting."""
import json
from pathlib import Path

import numpy as np
import pytest

from segkit import labels
from segkit.bench.sim2real import ROWS, Sim2RealConfig, detector_pixels, run_sim2real
from segkit.cli import main
from segkit.data.catalog import get
from segkit.errors import UserError
from segkit.formats.png import write_png

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def camvid_small(tmp_path, make_camvid):
    return make_camvid(tmp_path / "camvid", splits=(("train", 2), ("val", 2)), size=(48, 64))


def _argv(out, camvid, *extra):
    return ["bench", "sim2real", "--out", str(out), "--camvid", str(camvid), "--source-count", "4",
            "--generate-workers", "1", "--seg-model", "deeplabv3_mobilenet_v3_large", "--seg-init", "none",
            "--seg-iterations", "2", "--seg-batch-size", "2", "--seg-crop", "48", "--seg-crop", "64",
            "--seg-resize", "0", "--seg-schedule", "poly", "--seg-warmup", "0",
            "--det-model", "maskrcnn_resnet18_fpn_tiny", "--det-init", "none", "--det-iterations", "2",
            "--det-min-size", "48", "--det-max-size", "64", "--retrain-iterations", "2", "--workers", "0",
            "--progress", "false", *extra]


def test_every_row_runs_and_a_cut_run_resumes(tmp_path, camvid_small, monkeypatch, capsys, needs_generator):
    import segkit.pseudo_label

    out = tmp_path / "sim2real"
    real_run = segkit.pseudo_label.run

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(segkit.pseudo_label, "run", killed)
    assert main(_argv(out, camvid_small)) != 0
    assert "segkit: interrupted" in capsys.readouterr().err
    source = get(f"veis:{out / 'data' / 'source'}")
    assert len(source) == 4
    from segkit.formats.png import read_image_size

    assert read_image_size(source[0].image) == (48, 64)  # the target's size: (height, width)
    trained = {p.parent.name: p.stat().st_mtime_ns for p in (out / "models").glob("*/last.pt")}
    assert set(trained) == {"seg_veis", "det_veis"}

    monkeypatch.setattr(segkit.pseudo_label, "run", real_run)
    capsys.readouterr()
    assert main(_argv(out, camvid_small)) == 0
    captured = capsys.readouterr()
    for stage in ("generate source", "train seg veis", "train det veis", "fuse veis", "evaluate ours"):
        assert f"[{stage}] done before, skipped" in captured.err
    assert "[pseudo-label] running" in captured.err and "[train seg oracle] running" in captured.err
    assert {p.parent.name: p.stat().st_mtime_ns for p in (out / "models").glob("*/last.pt") if p.parent.name in trained} == trained
    assert "report:" in captured.out

    report = json.loads((out / "sim2real.json").read_text())
    assert set(report["rows"]) == set(ROWS) and report["classes"] == list(labels.CAMVID_CLASSES)
    for row in report["rows"].values():
        assert 0.0 <= row["mIoU"] <= 100.0
    assert report["rows"]["ours"]["paper_mIoU"] == 47.6 and report["rows"]["oracle"]["paper_mIoU"] is None
    assert set(report["detector"]["ours"]) == set(labels.CAMVID_FOREGROUND)
    for went in report["confusions"]["deeplab"].values():
        assert 0 < sum(went.values()) <= 100.0 + 1e-6
    assert report["fusion_gain_mIoU"] == pytest.approx(report["rows"]["ours"]["mIoU"] - report["rows"]["deeplab"]["mIoU"], abs=0.011)
    # The retrain started from the synthetic DeepLab, and pseudo-labels cover the unlabeled CamVid images.
    assert "init = \"" + str(out / "models" / "seg_veis" / "last.pt") in (out / "models" / "seg_retrain" / "config.toml").read_text()
    assert len(get(f"pseudo:{out / 'pseudo'}")) == 2
    markdown = (out / "sim2real.md").read_text()
    assert "| Oracle (DeepLab on the target's real labels) | n/a |" in markdown and "## What the detector pasted" in markdown
    assert (out / "sim2real.png").stat().st_size > 0
    from segkit.formats.png import read_png

    assert read_png(out / "sim2real_examples.png").shape == (2 * 52, 7 * 68, 3)  # 2 images x (image, labels, 5 rows)

    # A second self-training round reuses the first: new pseudo-labels from its retrained DeepLab, a retrain from it.
    capsys.readouterr()
    assert main(_argv(out, camvid_small, "--pseudo-rounds", "2", "--only", "deeplab_psgt", "--only", "ours_psgt")) == 0
    err = capsys.readouterr().err
    assert "[pseudo-label] done before, skipped" in err and "[train seg retrain] done before, skipped" in err
    assert "[pseudo-label round 2] running" in err and "[evaluate deeplab_psgt_round2] running" in err
    round2 = (out / "models" / "seg_retrain_round2" / "config.toml").read_text()
    assert f'init = "{out / "models" / "seg_retrain" / "last.pt"}"' in round2 and str(out / "pseudo_round2") in round2
    assert len(get(f"pseudo:{out / 'pseudo_round2'}")) == 2
    again = json.loads((out / "sim2real.json").read_text())
    assert set(again["rows"]) == {"deeplab_psgt", "ours_psgt"}
    round2_metrics = json.loads((out / "rows" / "deeplab_psgt_round2" / "stage_done.json").read_text())["metrics"]
    assert again["rows"]["deeplab_psgt"]["mIoU"] == round(100 * round2_metrics["mIoU"], 2)
    assert "in each of 2 self-training rounds" in (out / "sim2real.md").read_text()

    # Other pseudo-label or recipe settings on the same --out are refused, not served the old stages.
    capsys.readouterr()
    assert main(_argv(out, camvid_small, "--only", "deeplab_psgt", "--pseudo-class-share", "0.2")) == 2
    assert f"error: {out / 'pseudo'}: made with pseudo_class_share = 0.5, now 0.2: use another --out" in capsys.readouterr().err
    assert main(_argv(out, camvid_small, "--only", "deeplab", "--seg-lr", "0.5")) == 2
    assert f"{out / 'models' / 'seg_veis'}: made with lr = " in capsys.readouterr().err


def test_detector_pixels_count_exactly(tmp_path, camvid_small):
    records = get("camvid:val", roots={"camvid": camvid_small})
    car, road = labels.CAMVID_CLASSES.index("Car"), labels.CAMVID_CLASSES.index("Road")
    gt = np.full((48, 64), road, np.uint8)
    gt[10:20, 10:30] = car  # 200 car pixels
    gt[0, :] = labels.CAMVID_VOID
    for record in records:
        write_png(record.label, gt)
        semantic = np.full((48, 64), labels.BY_NAME["road"].train_id, np.uint8)
        semantic[10:20, 10:20] = labels.BY_NAME["car"].train_id  # DeepLab finds 100
        write_png(tmp_path / "seg" / f"{record.name}_pred.png", semantic)
        instances = labels.TRAIN_ID_TO_ID[semantic].astype(np.uint16)
        instances[10:20, 15:35] = labels.BY_NAME["truck"].id * 1000  # 150 on cars, 50 on road: both count as Car
        instances[0, 0:5] = labels.BY_NAME["person"].id * 1000  # on void: not counted
        write_png(tmp_path / "fused" / f"{record.name}_instanceIds.png", instances)
    stats = detector_pixels(records, tmp_path / "seg", tmp_path / "fused")
    assert stats["Car"] == {"real_pixels": 400, "pasted_pixels": 400, "recall": 0.75, "precision": 0.75, "deeplab_recall": 0.5}
    assert stats["Pedestrian"]["pasted_pixels"] == 0 and stats["Pedestrian"]["precision"] is None


def test_bad_settings_are_one_line(tmp_path, camvid_small, monkeypatch):
    with pytest.raises(UserError, match="unknown row 'table3'"):
        Sim2RealConfig(only="table3")
    with pytest.raises(UserError, match=r"--predict-scale: expected a number above 0, got 0"):
        Sim2RealConfig(predict_scale=0)  # before: found after generating and training
    with pytest.raises(UserError, match=r"--device: expected auto, cpu or cuda, got 'tpu'"):
        Sim2RealConfig(device="tpu")
    with pytest.raises(UserError, match=r"--pseudo-rounds: expected at least 1, got 0"):
        Sim2RealConfig(pseudo_rounds=0)
    for settings, message in ((dict(retrain_iterations=0), "--retrain-iterations: expected at least 1, got 0"),
                              (dict(workers=-1), "--workers: expected at least 0, got -1"),  # before: both found late
                              (dict(generate_workers=0), "--generate-workers: expected at least 1, got 0"),
                              (dict(seed=-1), "--seed: expected at least 0, got -1"),
                              (dict(pseudo_class_share=1.5), "--pseudo-class-share: expected a number from 0 to 1"),
                              (dict(generate_config=tmp_path / "none.toml"), "none.toml: file not found")):
        with pytest.raises(UserError, match=message):
            Sim2RealConfig(**settings)
    import torch

    if not torch.cuda.is_available():  # before: found after the synthetic data was made
        with pytest.raises(UserError, match="--device cuda: no CUDA device is available here"):
            run_sim2real(Sim2RealConfig(out=tmp_path / "x", device="cuda", roots={"camvid": str(camvid_small)}))
    monkeypatch.delenv("CAMVID_DATASET", raising=False)
    with pytest.raises(UserError, match="pass --camvid DIR or set CAMVID_DATASET"):
        run_sim2real(Sim2RealConfig(out=tmp_path / "x"))
    (camvid_small / "train.txt").write_text("train/missing.png trainannot/missing.png\n")
    with pytest.raises(UserError, match=r"train\.txt:1: .*missing\.png does not exist"):
        run_sim2real(Sim2RealConfig(out=tmp_path / "x", roots={"camvid": str(camvid_small)}))
    assert not (tmp_path / "x").exists()


def test_the_help_shows_each_default_once(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "sim2real", "--help"])
    out = capsys.readouterr().out
    assert "(default: )" not in out and "WIDTHxHEIGHT of the synthetic images (default: the target's)" in " ".join(out.split())


def test_only_picks_rows_in_the_tables_order():
    import argparse

    from segkit.bench.suite import selected_rows
    from segkit.config import add_arguments, resolve

    parser = argparse.ArgumentParser()
    add_arguments(parser, Sim2RealConfig)
    config = resolve(Sim2RealConfig, parser.parse_args(["--only", "ours_psgt", "--only", "deeplab", "--only", "ours"]))
    assert config.only == ("ours_psgt", "deeplab", "ours")
    assert selected_rows(config, ROWS) == ["deeplab", "ours", "ours_psgt"]
    assert selected_rows(Sim2RealConfig(), ROWS) == list(ROWS)
    assert selected_rows(Sim2RealConfig(only="oracle"), ROWS) == ["oracle"]
    with pytest.raises(UserError, match="--only: unknown row 'table3'"):
        resolve(Sim2RealConfig, parser.parse_args(["--only", "oracle", "--only", "table3"]))


def test_the_oracle_alone_needs_no_generator(tmp_path, camvid_small, monkeypatch, capsys):
    import segkit.bench.sim2real

    def no_generator(*args):
        raise AssertionError("the oracle row generated synthetic data")

    monkeypatch.setattr(segkit.bench.sim2real, "_generate", no_generator)
    out = tmp_path / "oracle"
    assert main(_argv(out, camvid_small, "--only", "oracle", "--seed", "3")) == 0
    assert not (out / "data").exists() and (out / "rows" / "oracle" / "stage_done.json").is_file()
    assert "seed = 3\n" in (out / "models" / "seg_oracle" / "config.toml").read_text()  # the suite's seed trains
    assert "The oracle alone" in (out / "sim2real.md").read_text()
    assert "oracle" in capsys.readouterr().out


def test_the_target_decides_the_generator_settings_unless_a_file_does(tmp_path, monkeypatch):
    import subprocess
    import tomllib

    import segkit.bench.sim2real
    from segkit.bench.targets import TARGET_GENERATOR, describe_generator

    commands = []
    monkeypatch.setattr(segkit.bench.sim2real.subprocess, "run",
                        lambda command, **kwargs: commands.append(command) or subprocess.CompletedProcess(command, 0))
    camvid = Sim2RealConfig(out=tmp_path)
    segkit.bench.sim2real._generate(camvid, tmp_path / "a", "64x48")
    flags = commands[-1][commands[-1].index("false") + 1:]
    assert flags == ["--traffic", "left", "--streets", "mixed", "--season", "mixed", "--camera", "camvid",
                     "--furniture", "true", "--effects", "camera"]
    shipped = tomllib.loads((REPO / "benchmarks" / "configs" / "generate_camvid.toml").read_text())
    assert shipped == TARGET_GENERATOR["camvid"]  # the file for veis-gen alone says the same
    assert "camera camvid" in describe_generator(camvid)
    (tmp_path / "g.toml").write_text('season = "winter"\n')
    given = Sim2RealConfig(out=tmp_path, generate_config=tmp_path / "g.toml")
    segkit.bench.sim2real._generate(given, tmp_path / "b", "64x48")
    assert commands[-1][-2:] == ["--config", str(tmp_path / "g.toml")]
    other = Sim2RealConfig(out=tmp_path, target="cityscapes:val")
    segkit.bench.sim2real._generate(other, tmp_path / "c", "64x48")
    assert commands[-1][-1] == "false" and describe_generator(other) == "veis-gen's default settings"


def test_a_retrain_keeps_its_warmups_share_of_the_run(tmp_path, monkeypatch):
    from segkit.bench.sim2real import CPU_DEEPLAB, Sim2RealSuite

    seen = {}
    monkeypatch.setattr(Sim2RealSuite, "_train",
                        lambda self, task, key, folder, recipe: seen.setdefault(key, recipe) and folder / "last.pt")
    monkeypatch.setattr(Sim2RealSuite, "pseudo_labels", lambda self, round_: seen.setdefault("round", round_))
    Sim2RealSuite(Sim2RealConfig(out=tmp_path, retrain_iterations=150), tmp_path / "source").train_seg("retrain")
    assert seen["round"] == 1
    assert (CPU_DEEPLAB.warmup, CPU_DEEPLAB.iterations) == (40, 400) and seen["veis"]["warmup"] == 40
    assert (seen["retrain"]["warmup"], seen["retrain"]["iterations"]) == (15, 150)
    assert seen["retrain"]["init"] == str(tmp_path / "models" / "seg_veis" / "last.pt")
