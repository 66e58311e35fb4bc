"""evaluate_predictions: image pairs read in worker processes give exactly the numbers of the inline path."""
import numpy as np
import pytest

from segkit.data import catalog
from segkit.data.labels_io import read_train_ids
from segkit.evaluation import strict_json
from segkit.evaluation.files import evaluate_predictions
from segkit.formats.png import write_png


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
