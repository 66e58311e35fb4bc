import contextlib
import io
import json

import pytest

from segkit import labels
from segkit.cli import main
from segkit.evaluation.official import load_instance_evaluator
from segkit.formats.export import export_cityscapes_to_coco


@pytest.fixture
def gt_and_predictions(mini_copy, tmp_path):
    """The sample's instances as ground truth, and as predictions with scores."""
    gt_file = tmp_path / "gt.json"
    export_cityscapes_to_coco(mini_copy, gt_file, split="val")
    data = json.loads(gt_file.read_text())
    for k, annotation in enumerate(data["annotations"]):
        annotation["score"] = 0.9 - 0.01 * k
    pred_file = tmp_path / "pred.json"
    pred_file.write_text(json.dumps(data))
    return mini_copy, gt_file, pred_file, data


def test_perfect_predictions_score_one(gt_and_predictions, tmp_path, capsys):
    root, gt_file, pred_file, _ = gt_and_predictions
    for gt in (str(gt_file), str(root)):
        out = tmp_path / "ap.json"
        assert main(["evaluate-instances", "--gt", gt, "--pred", str(pred_file), "--json", str(out)]) == 0
        metrics = json.loads(out.read_text())["segm"]
        assert metrics["AP"] == pytest.approx(1.0) and metrics["AP-person"] == pytest.approx(1.0)
        assert metrics["AP-car"] == pytest.approx(1.0) and metrics["AP-bus"] is None  # no bus anywhere
    assert "mask AP 100.00" in capsys.readouterr().out


def test_a_missed_car_lowers_car_ap_only(gt_and_predictions, tmp_path):
    _, gt_file, pred_file, data = gt_and_predictions
    car = labels.BY_NAME["car"].id
    first_car = next(i for i, a in enumerate(data["annotations"]) if a["category_id"] == car)
    del data["annotations"][first_car]
    pred_file.write_text(json.dumps(data))
    out = tmp_path / "ap.json"
    assert main(["evaluate-instances", "--gt", str(gt_file), "--pred", str(pred_file), "--json", str(out)]) == 0
    metrics = json.loads(out.read_text())["segm"]
    assert metrics["AP-person"] == pytest.approx(1.0) and metrics["AP-car"] < 0.8


def test_predictions_without_scores_are_refused(gt_and_predictions, capsys):
    _, gt_file, _, _ = gt_and_predictions
    assert main(["evaluate-instances", "--gt", str(gt_file), "--pred", str(gt_file)]) == 2
    assert "has no numeric score" in capsys.readouterr().err


def test_export_runs_in_the_official_instance_evaluator(gt_and_predictions, tmp_path, monkeypatch):
    root, gt_file, pred_file, _ = gt_and_predictions
    export = tmp_path / "official_format"
    assert main(["evaluate-instances", "--gt", str(gt_file), "--pred", str(pred_file), "--export-cityscapes", str(export)]) == 0
    (txt,) = export.glob("*.txt")
    lines = txt.read_text().splitlines()
    assert len(lines) == 7 and all(len(line.split(" ")) == 3 for line in lines)
    monkeypatch.chdir(tmp_path)  # the official script writes matches.json here
    official, args = load_instance_evaluator(str(export), str(tmp_path))
    # Its 100-pixel minimum region is for 2048x1024; the sample is downscaled 8x and its people are smaller.
    monkeypatch.setattr(args, "minRegionSizes", args.minRegionSizes // 64)
    gt_list = [str(p) for p in (root / "gtFine" / "val").rglob("*_instanceIds.png")]
    with contextlib.redirect_stdout(io.StringIO()):
        result = official.evaluateImgLists([str(txt)], gt_list, args)
    assert result["averages"]["classes"]["person"]["ap"] == pytest.approx(1.0)
    assert result["averages"]["classes"]["car"]["ap"] == pytest.approx(1.0)
