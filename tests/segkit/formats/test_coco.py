import contextlib
import io
import json

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from segkit import labels
from segkit.errors import UserError
from segkit.formats.cityscapes import gt_path, read_instance_ids
from segkit.formats.coco import CocoBuilder, add_instance_map, decode_mask, encode_mask, load_coco
from segkit.formats.export import export_cityscapes_to_coco

MINI_NAME = "frankfurt_000000_000294"


def _quiet(fn, *args):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


def test_fixture_instances_decode_to_the_same_masks(cityscapes_mini, tmp_path):
    out = tmp_path / "instances.json"
    assert export_cityscapes_to_coco(cityscapes_mini, out, split="val") == {"images": 1, "annotations": 7}
    instance_ids = read_instance_ids(gt_path(cityscapes_mini, "val", "frankfurt", MINI_NAME, "instanceIds"))
    coco = _quiet(COCO, str(out))
    (image,) = coco.dataset["images"]
    assert image["file_name"] == f"leftImg8bit/val/frankfurt/{MINI_NAME}_leftImg8bit.png"
    assert (image["height"], image["width"]) == instance_ids.shape
    assert [c["id"] for c in coco.dataset["categories"]] == labels.ids_of(labels.FOREGROUND_CLASSES)
    expected_ids = sorted(int(v) for v in np.unique(instance_ids) if v >= 1000)
    seen = []
    for ann in coco.loadAnns(coco.getAnnIds()):
        mask = coco.annToMask(ann).astype(bool)
        (values,) = [np.unique(instance_ids[mask])]
        assert len(values) == 1 and values[0] // 1000 == ann["category_id"]
        np.testing.assert_array_equal(mask, instance_ids == values[0])
        ys, xs = np.nonzero(mask)
        assert ann["area"] == mask.sum() and ann["iscrowd"] == 0
        assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
        seen.append(int(values[0]))
    assert sorted(seen) == expected_ids


def test_predictions_load_as_results_and_score_perfectly(cityscapes_mini, tmp_path):
    gt_file, pred_file = tmp_path / "gt.json", tmp_path / "pred.json"
    export_cityscapes_to_coco(cityscapes_mini, gt_file, split="val", classes="instance")
    data = json.loads(gt_file.read_text())
    for i, ann in enumerate(data["annotations"]):
        ann["score"] = 1.0 - 0.01 * i
    pred_file.write_text(json.dumps(data))
    gt = _quiet(COCO, str(gt_file))
    as_gt = _quiet(COCO, str(pred_file))
    results = _quiet(gt.loadRes, load_coco(pred_file)["annotations"])
    assert len(results.getAnnIds()) == len(as_gt.getAnnIds()) == 7
    evaluator = COCOeval(gt, results, "segm")
    _quiet(evaluator.evaluate)
    _quiet(evaluator.accumulate)
    _quiet(evaluator.summarize)
    assert evaluator.stats[1] == pytest.approx(1.0)  # AP50 of the ground truth against itself


def test_rle_round_trip_and_crowd_groups(rng):
    instance_ids = np.full((40, 60), labels.BY_NAME["road"].id, dtype=np.uint16)
    car, person, sign = (labels.BY_NAME[n].id for n in ("car", "person", "traffic sign"))
    instance_ids[5:15, 5:25] = car * 1000 + 0
    instance_ids[20:30, 30:33] = person * 1000 + 7
    instance_ids[30:38, 0:10] = car  # a car group: no single instance
    instance_ids[0:3, 50:55] = sign
    builder = CocoBuilder()
    image_id = builder.add_image("a.png", 40, 60)
    assert add_instance_map(builder, image_id, instance_ids) == 3
    crowd = [a for a in builder.annotations if a["iscrowd"]]
    assert [(a["category_id"], a["area"]) for a in crowd] == [(car, 80)]
    for ann in builder.annotations:
        assert isinstance(ann["segmentation"]["counts"], str)
    mask = rng.random((17, 23)) > 0.5
    np.testing.assert_array_equal(decode_mask(encode_mask(mask)), mask)
    json.dumps(builder.to_dict())


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ("[]", "expected a COCO object"),
    ('{"images": [], "categories": []}', "missing or malformed 'annotations'"),
    ('{"images": [{"id": 1}], "categories": [{"id": 26}], "annotations": [{"id": 1, "image_id": 2, "category_id": 26}]}',
     "unknown image 2"),
    ('{"images": [{"id": 1}], "categories": [{"id": 26}], "annotations": [{"id": 1, "image_id": 1, "category_id": 99}]}',
     "unknown category 99"),
])
def test_malformed_coco_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(UserError, match=message) as info:
        load_coco(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(UserError, match="file not found"):
        load_coco(tmp_path / "missing.json")
