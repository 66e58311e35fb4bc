"""A dry run of the Table 2 suite on tiny fake Cityscapes, GTA5 and VEIS sets with tiny models: every stage
completes, the report stands beside the paper's numbers, and a run cut short resumes without redoing stages."""
import json
from dataclasses import replace

import pytest

from segkit.bench.table2 import PAPER_DEEPLAB, PAPER_MASK_RCNN, ROWS, Table2Config, run_table2
from segkit.errors import UserError


def _config(tmp_path, mini_copy, gta5_root, mixed_dataset, **overrides):
    settings = dict(out=tmp_path / "table2", roots={"cityscapes": str(mini_copy), "gta5": str(gta5_root[0])}, veis=str(mixed_dataset),
                    unlabeled=("cityscapes:val",),
                    seg=replace(PAPER_DEEPLAB, model="deeplabv3_mobilenet_v3_large", init="none", iterations=2, lr=0.01,
                                batch_size=2, scale=1.0, crop=(64, 64)),
                    det=replace(PAPER_MASK_RCNN, model="maskrcnn_resnet18_fpn_tiny", init="none", iterations=2, lr=0.005,
                                batch_size=2, min_size=64, max_size=128), retrain_iterations=2, predict_scale=1.0,
                    workers=0, progress=False)
    settings.update(overrides)
    return Table2Config(**settings)


def test_every_stage_runs_and_a_cut_run_resumes(tmp_path, mini_copy, gta5_root, mixed_dataset, monkeypatch, capsys):
    config = _config(tmp_path, mini_copy, gta5_root, mixed_dataset)
    import segkit.pseudo_label

    real_run = segkit.pseudo_label.run

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(segkit.pseudo_label, "run", killed)
    with pytest.raises(KeyboardInterrupt):
        run_table2(config)
    out = config.out
    trained = {p.parent.name: p.stat().st_mtime_ns for p in (out / "models").glob("*/last.pt")}
    assert set(trained) == {"seg_gta5", "seg_veis", "seg_gta5_veis", "det_veis"}
    assert not (out / "pseudo" / "stage_done.json").exists()

    monkeypatch.setattr(segkit.pseudo_label, "run", real_run)
    capsys.readouterr()
    report = run_table2(config)
    log = capsys.readouterr().err
    for stage in ("train seg gta5", "train seg veis", "train det veis", "fuse gta5", "evaluate ours"):
        assert f"[{stage}] done before, skipped" in log
    assert "[pseudo-label] running" in log and "[train seg retrain] running" in log
    assert {p.parent.name: p.stat().st_mtime_ns for p in (out / "models").glob("*/last.pt") if p.parent.name in trained} == trained

    assert set(report["rows"]) == set(ROWS)
    for name, row in report["rows"].items():
        assert 0.0 <= row["mIoU"] <= 100.0 and row["paper_mIoU"] > 0
        assert row["difference_mIoU"] == pytest.approx(row["mIoU"] - row["paper_mIoU"])
        assert (out / f"table2_{name}.png").is_file()
    saved = json.loads((out / "table2.json").read_text())
    assert saved["rows"]["ours"]["paper_mIoU"] == report["rows"]["ours"]["paper_mIoU"]  # the file holds what was printed
    assert "| ours (Ours (DeepLab + Mask R-CNN)) |" in (out / "table2.md").read_text()
    assert (out / "pseudo" / "gtFine" / "train").is_dir()


def test_missing_data_says_what_to_download(tmp_path, mini_copy, gta5_root, mixed_dataset):
    config = _config(tmp_path, mini_copy, gta5_root, mixed_dataset, roots={"cityscapes": str(mini_copy)}, only="gta5")
    with pytest.raises(UserError, match="download the images and labels of GTA5") as info:
        run_table2(config)
    assert "\n" not in str(info.value)
    with pytest.raises(UserError, match="make it with: veis-gen generate"):
        run_table2(_config(tmp_path, mini_copy, gta5_root, mixed_dataset, veis=None, only="veis"))
    with pytest.raises(UserError, match="unknown row 'table3'"):
        _config(tmp_path, mini_copy, gta5_root, mixed_dataset, only="table3")
