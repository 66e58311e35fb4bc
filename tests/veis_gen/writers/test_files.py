"""Writers: a frame (plain arrays) -> the files of one image, checked pixel by pixel on a hand-made frame."""
import io
import json

import numpy as np
from PIL import Image

from segkit import labels
from veis_gen.writers.coco import coco_from_metas
from veis_gen.writers.files import encode_frame

ROAD, SKY, CAR, SIGN = (labels.BY_NAME[n].id for n in ("road", "sky", "car", "traffic sign"))


def _frame():
    label_ids = np.full((6, 8), SKY, np.uint8)
    label_ids[3:] = ROAD
    instances = np.zeros((6, 8), np.uint16)
    label_ids[3:5, 1:4], instances[3:5, 1:4] = CAR, 1  # a car, partly behind the second car
    label_ids[2:5, 4:7], instances[2:5, 4:7] = CAR, 3
    label_ids[0:2, 6:8], instances[0:2, 6:8] = SIGN, 4
    amodal = np.zeros((4, 6, 8), bool)
    amodal[0, 3:5, 1:6] = True  # its whole silhouette: 10 pixels, 6 of them seen
    amodal[2], amodal[3] = instances == 3, instances == 4  # object 2 (index 1) is not seen at all
    objects = [{"placement": 0, "class": "car", "asset": "p/a"}, {"placement": 1, "class": "car", "asset": "p/b"},
               {"placement": 2, "class": "car", "asset": "p/c"}, {"placement": 3, "class": "traffic sign", "asset": "p/s"}]
    rgb = np.arange(6 * 8 * 3, dtype=np.uint8).reshape(6, 8, 3)
    return {"rgb": rgb, "depth": np.full((6, 8), 12.3456, np.float32), "label_ids": label_ids, "instances": instances,
            "amodal": amodal, "objects": objects}


def _png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def test_encode_frame_writes_exact_labels_instances_and_depth():
    frame = _frame()
    meta = {"split": "train", "city": "complex", "name": "complex_000000_000007", "index": 7, "seed": 0, "scene": {}}
    files = encode_frame(frame, meta, min_area=5)
    stem = "gtFine/train/complex/complex_000000_000007_gtFine_"
    assert np.array_equal(_png(files["leftImg8bit/train/complex/complex_000000_000007_leftImg8bit.png"]), frame["rgb"])
    assert np.array_equal(_png(files[stem + "labelIds.png"]), frame["label_ids"])
    cityscapes, ours = _png(files[stem + "instanceIds.png"]), _png(files[stem + "veisInstanceIds.png"])
    # Cars are numbered per class among the visible ones: 26000, 26001; signs get ids in ours only.
    assert cityscapes[3, 1] == ours[3, 1] == CAR * 1000 and cityscapes[3, 5] == ours[3, 5] == CAR * 1000 + 1
    assert cityscapes[0, 7] == SIGN and ours[0, 7] == SIGN * 1000 and cityscapes[5, 0] == ours[5, 0] == ROAD
    assert (_png(files["depth/train/complex/complex_000000_000007_depth.png"]) == 12346).all()  # millimetres
    record = json.loads(files["meta/train/complex/complex_000000_000007.json"])
    by_id = {o["instance_id"]: o for o in record["objects"]}
    assert sorted(by_id) == [SIGN * 1000, CAR * 1000, CAR * 1000 + 1]
    first = by_id[CAR * 1000]
    assert (first["area"], first["amodal_area"], first["visible_fraction"], first["iscrowd"]) == (6, 10, 0.6, 0)
    assert first["bbox"] == [1.0, 3.0, 3.0, 2.0] and by_id[SIGN * 1000]["iscrowd"] == 1  # 4 pixels < min_area 5
    assert record["pixels"] == {"road": 12, "sky": 17, "car": 15, "traffic sign": 4}


def test_coco_from_metas_numbers_images_and_annotations_in_order():
    frame = _frame()
    metas = []
    for index in (3, 4):
        meta = {"split": "train", "city": "complex", "name": f"complex_000000_{index:06d}", "index": index, "seed": 0, "scene": {}}
        metas.append(json.loads(encode_frame(frame, meta)[f"meta/train/complex/complex_000000_{index:06d}.json"]))
    coco = coco_from_metas(metas)
    assert [i["id"] for i in coco["images"]] == [1, 2] and len(coco["annotations"]) == 6
    assert [a["id"] for a in coco["annotations"]] == list(range(1, 7))
    assert [a["image_id"] for a in coco["annotations"]] == [1, 1, 1, 2, 2, 2]
    first = coco["annotations"][0]
    assert list(first)[:8] == ["id", "image_id", "category_id", "segmentation", "area", "bbox", "iscrowd", "amodal_segmentation"]
    assert first["category_id"] == CAR and first["visible_fraction"] == 0.6
