"""evaluate_predictions: image pairs read in worker processes give exactly the numbers of the inline path; labels in
a class space other than Cityscapes' are scored and printed in that space."""
import numpy as np
import pytest

from segkit.data import catalog
from segkit.data.labels_io import read_train_ids
from segkit.errors import UserError
from segkit.evaluation import strict_json
from segkit.evaluation.files import evaluate_predictions
from segkit.formats.png import read_png, write_png


def _noisy_predictions(records, truth_train_ids, folder, rng):
    for record in records:
        train = truth_train_ids(record).copy()
        wrong = rng.random(train.shape) < 0.3
        train[wrong] = rng.integers(0, 19, wrong.sum())
        write_png(folder / f"{record.name}_pred.png", train.astype(np.uint8))


@pytest.mark.parametrize("dataset", ["veis", "camvid"])
def test_the_process_pool_sums_what_the_inline_path_sums(dataset, mixed_dataset, make_camvid, tmp_path, rng):
    if dataset == "veis":
        records = catalog.get(f"veis:{mixed_dataset}")
        def truth(record):
            train = read_train_ids(record)
            return np.where(train == 255, 0, train)
    else:
        root = make_camvid(tmp_path / "camvid", splits=(("val", 6),))
        records = catalog.get("camvid:val", roots={"camvid": str(root)})

        def truth(record):
            return rng.integers(0, 19, (24, 32))
    assert len(records) >= 6
    _noisy_predictions(records, truth, tmp_path / "pred", rng)
    inline = evaluate_predictions(records, tmp_path / "pred", workers=1)
    pooled = evaluate_predictions(records, tmp_path / "pred", workers=3)
    assert strict_json(pooled) == strict_json(inline)  # NaN (a class never seen) as None: NaN != NaN
    assert 0.0 < inline["sem_seg"]["mIoU"] < 1.0


def test_a_class_space_of_its_own_is_evaluated_and_printed(tmp_path, monkeypatch):
    """Two classes (road is ground, car a thing), counted by hand; the void pixel is left out."""
    from segkit import labels
    from segkit.data import label_formats
    from segkit.evaluation.files import format_metrics

    table = np.full(256, 2, np.uint8)
    table[labels.train_ids_of(["road", "car"])] = [0, 1]
    space = labels.ClassSpace("toy", "Toy", ("ground", "thing"), ("thing",), 2, table)
    toy = label_formats.LabelFormat("toy", read_png, space, read_png)  # read_ids: unused by the evaluation
    monkeypatch.setitem(label_formats.FORMATS, "toy", toy)
    monkeypatch.setitem(label_formats.SPACES, "toy", space)
    write_png(tmp_path / "gt" / "a.png", np.array([[0, 0, 1], [1, 2, 0]], np.uint8))
    write_png(tmp_path / "pred" / "a_pred.png", np.array([[0, 13, 13], [0, 0, 255]], np.uint8))
    record = catalog.Record("toy", "a", tmp_path / "a.png", tmp_path / "gt" / "a.png", "toy")
    metrics = evaluate_predictions([record], tmp_path / "pred", workers=1)
    assert metrics["sem_seg"] == {"label_set": "toy", "mIoU": (1 / 4 + 1 / 3) / 2, "mIoU_foreground": 1 / 3,
                                  "mIoU_background": 1 / 4, "pixel_accuracy": 2 / 5, "images": 1,
                                  "IoU-ground": 1 / 4, "IoU-thing": 1 / 3}
    assert format_metrics(metrics).splitlines()[-5:] == [
        "mIoU (2 classes)   29.17", "things (1)         33.33", "stuff (1)          25.00",
        "pixel accuracy     40.00", "1 images (Toy)"]
    with pytest.raises(UserError, match="--pred-ids label: Toy evaluation takes train-id predictions"):
        evaluate_predictions([record], tmp_path / "pred", pred_ids="label")


def test_camvid_metrics_print_as_before():
    from segkit import labels
    from segkit.evaluation.files import format_metrics

    metrics = {"label_set": "camvid", "mIoU": 0.5, "mIoU_foreground": 0.25, "mIoU_background": 0.125,
               "pixel_accuracy": 0.75, "images": 2} | {f"IoU-{c}": i / 100 for i, c in enumerate(labels.CAMVID_CLASSES)}
    lines = format_metrics({"sem_seg": metrics}).splitlines()
    assert lines[:2] == ["class                IoU", "Sky                 0.00"]
    assert lines[11] == "Bicyclist          10.00"
    assert lines[12:] == ["-" * 24, "mIoU (11 classes)   50.00", "things (4)         25.00", "stuff (7)          12.50",
                          "pixel accuracy     75.00", "2 images (CamVid)"]
