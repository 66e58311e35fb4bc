import json
import math
import subprocess
import sys

import numpy as np
import pytest

from segkit import labels
from segkit.cli import main
from segkit.evaluation.official import official_scores
from segkit.formats.cityscapes import gt_path, read_label_ids
from segkit.formats.png import write_png

NAME = "frankfurt_000000_000294"


@pytest.fixture
def predictions(cityscapes_mini, tmp_path, rng):
    """A train-id prediction for the sample, right on 80% of the pixels, and the same as label ids."""
    gt = read_label_ids(gt_path(cityscapes_mini, "val", "frankfurt", NAME, "labelIds"))
    train = labels.ID_TO_TRAIN_ID[gt].copy()
    wrong = rng.random(train.shape) < 0.2
    train[wrong] = rng.integers(0, 19, wrong.sum())
    write_png(tmp_path / "pred" / "frankfurt" / f"{NAME}_leftImg8bit_pred.png", train)
    write_png(tmp_path / "pred_ids" / f"{NAME}.png", labels.TRAIN_ID_TO_ID[train])
    return tmp_path


def test_evaluate_matches_the_official_script(cityscapes_mini, predictions, capsys):
    out = predictions / "metrics.json"
    assert main(["evaluate", "--gt", str(cityscapes_mini), "--pred", str(predictions / "pred"), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "mIoU (19 classes)" in printed and "iIoU (8 classes)" in printed
    metrics = json.loads(out.read_text())["sem_seg"]
    official = official_scores([str(predictions / "pred_ids" / f"{NAME}.png")],
                               [str(gt_path(cityscapes_mini, "val", "frankfurt", NAME, "labelIds"))])
    assert metrics["mIoU"] == pytest.approx(official["averageScoreClasses"], abs=1e-6)
    assert metrics["iIoU"] == pytest.approx(official["averageScoreInstClasses"], abs=1e-6)
    for name in labels.TRAIN_CLASSES:
        theirs = official["classScores"][name]
        ours = metrics[f"IoU-{name}"]
        assert ours is None if math.isnan(theirs) else ours == pytest.approx(theirs, abs=1e-6)
    assert "NaN" not in out.read_text()
    assert main(["evaluate", "--gt", str(cityscapes_mini), "--pred", str(predictions / "pred_ids"), "--pred-ids", "label",
                 "--json", str(predictions / "m2.json")]) == 0
    assert json.loads((predictions / "m2.json").read_text())["sem_seg"]["mIoU"] == pytest.approx(metrics["mIoU"])


@pytest.mark.parametrize("make, message", [
    (lambda d: (d / "pred" / "frankfurt" / f"{NAME}_leftImg8bit_pred.png").unlink(), "no prediction for 1 of 1 images"),
    (lambda d: write_png(d / "pred" / "frankfurt" / f"{NAME}_leftImg8bit_pred.png", np.zeros((10, 10), np.uint8)),
     "size 10x10 differs from the ground truth's 256x128"),
    (lambda d: write_png(d / "pred" / "frankfurt" / f"{NAME}_leftImg8bit_pred.png", np.full((128, 256), 40, np.uint8)),
     "not train ids: [40]"),
    (lambda d: write_png(d / "pred" / "other" / f"{NAME}_copy.png", np.zeros((128, 256), np.uint8)), "a second prediction"),
])
def test_bad_predictions_are_one_line(cityscapes_mini, predictions, capsys, make, message):
    make(predictions)
    assert main(["evaluate", "--gt", str(cityscapes_mini), "--pred", str(predictions / "pred")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_evaluate_never_imports_torch(cityscapes_mini, predictions):
    code = ("import sys; from segkit.cli import main; rc = main(['evaluate', '--gt', sys.argv[1], '--pred', sys.argv[2]]); "
            "assert 'torch' not in sys.modules; sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code, str(cityscapes_mini), str(predictions / "pred")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_json_naming_a_folder_is_one_line(cityscapes_mini, predictions, capsys):
    (predictions / "a_folder").mkdir()
    argv = ["evaluate", "--gt", str(cityscapes_mini), "--pred", str(predictions / "pred"), "--json", str(predictions / "a_folder")]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and f"--json {predictions / 'a_folder'}: is a folder" in captured.err, captured.err
    assert captured.out == ""  # refused before evaluating (before: after, naming a hidden temporary file)
    (predictions / "a_file").write_text("")
    assert main(argv[:-1] + [str(predictions / "a_file" / "m.json")]) == 2
    assert "a_file is a file, not a folder" in capsys.readouterr().err
