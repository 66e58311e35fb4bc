"""The proxy benchmark end to end on a handful of tiny images: every stage, a report that says what it is."""
import json

from segkit.cli import main


def test_proxy_runs_every_row(tmp_path, capsys):
    out = tmp_path / "proxy"
    argv = ["bench", "proxy", "--out", str(out), "--source-count", "8", "--target-count", "4", "--unlabeled-count", "4",
            "--seg-iterations", "2", "--det-iterations", "2", "--retrain-iterations", "2", "--size", "128x64",
            "--batch-size", "2", "--workers", "0", "--generate-workers", "1", "--progress", "false"]
    assert main(argv) == 0
    report = json.loads((out / "proxy.json").read_text())
    assert report["note"] == "generated data, not Cityscapes"
    assert set(report["rows"]) == {"source", "ours", "source_psgt", "ours_psgt"}
    assert all(0 <= row["mIoU"] <= 100 for row in report["rows"].values())
    assert "not Cityscapes" in (out / "proxy.md").read_text()
    meta = json.loads(next((out / "data" / "target" / "meta").rglob("*.json")).read_text())
    assert meta["split"] == "val"
    assert "appearance = \"shifted\"" in (out / "data" / "target" / "veis_config.toml").read_text()
    capsys.readouterr()
    assert main(argv) == 0  # everything cached: a second run redoes nothing
    assert "running" not in capsys.readouterr().err
