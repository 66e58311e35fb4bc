import json

import numpy as np
import pytest

from segkit import labels
from segkit.cli import main
from segkit.formats.coco import encode_mask
from segkit.formats.png import read_png, write_png
from segkit.fuse import FusionRules, fuse

ROAD, CAR, PERSON, SIGN, WALL = (labels.BY_NAME[n] for n in ("road", "car", "person", "traffic sign", "wall"))


def _box(shape, y0, y1, x0, x1):
    mask = np.zeros(shape, dtype=bool)
    mask[y0:y1, x0:x1] = True
    return mask


def test_overlaps_go_to_the_higher_score_and_the_rest_is_kept():
    semantic = np.full((10, 12), ROAD.train_id, np.uint8)
    semantic[0, 0] = 255  # ignored by the segmenter: stays ignored where nothing is pasted
    masks = np.stack([_box(semantic.shape, 2, 8, 2, 8), _box(semantic.shape, 4, 10, 5, 12), _box(semantic.shape, 0, 3, 9, 12)])
    ids = np.array([CAR.id, PERSON.id, SIGN.id])
    fused, instances, kept = fuse(semantic, masks, ids, np.array([0.5, 0.9, 0.7]))
    assert kept == [1, 2, 0]
    assert fused[5, 6] == PERSON.train_id  # the overlap goes to the 0.9 person
    assert fused[3, 3] == CAR.train_id and fused[9, 0] == ROAD.train_id and fused[0, 0] == 255
    assert fused[1, 10] == SIGN.train_id
    assert instances[5, 6] == PERSON.id * 1000 and instances[3, 3] == CAR.id * 1000
    assert instances[1, 10] == SIGN.id * 1000  # lights and signs are instances here too
    assert instances[9, 0] == ROAD.id


def test_rules():
    semantic = np.full((10, 10), ROAD.train_id, np.uint8)
    big, small = _box(semantic.shape, 0, 10, 0, 6), _box(semantic.shape, 0, 10, 4, 7)
    masks, scores = np.stack([big, small]), np.array([0.9, 0.8])
    ids = np.array([CAR.id, CAR.id])
    assert fuse(semantic, masks, ids, scores, FusionRules(min_visible=0.5))[2] == [0]  # small is 2/3 hidden
    assert fuse(semantic, masks, ids, scores, FusionRules(score_threshold=0.85))[2] == [0]
    assert fuse(semantic, masks, ids, scores, FusionRules(min_area=40))[2] == [0]
    assert fuse(semantic, masks, np.array([SIGN.id, WALL.id]), scores, FusionRules(classes=labels.INSTANCE_CLASSES))[2] == []


def _reference(semantic, masks, ids, scores):
    """The rule as a plain loop over pixels."""
    fused = semantic.copy()
    owner = -np.ones(semantic.shape, int)
    for index in sorted(range(len(scores)), key=lambda i: (-scores[i], i)):
        for y in range(semantic.shape[0]):
            for x in range(semantic.shape[1]):
                if masks[index, y, x] and owner[y, x] < 0:
                    owner[y, x] = index
                    fused[y, x] = labels.ID_TO_TRAIN_ID[ids[index]]
    return fused


def test_matches_a_plain_loop_on_random_cases(rng):
    choices = np.array(labels.ids_of(labels.FOREGROUND_CLASSES))
    for _ in range(20):
        semantic = rng.integers(0, 19, (12, 16)).astype(np.uint8)
        count = int(rng.integers(0, 8))
        masks = rng.random((count, 12, 16)) < 0.3
        ids, scores = rng.choice(choices, count), np.round(rng.random(count), 1)  # ties too
        np.testing.assert_array_equal(fuse(semantic, masks, ids, scores)[0], _reference(semantic, masks, ids, scores))


def test_fuse_command(tmp_path, capsys):
    semantic = np.full((8, 8), ROAD.train_id, np.uint8)
    write_png(tmp_path / "sem" / "city_000000_000001_pred.png", semantic)
    car = _box((8, 8), 2, 6, 2, 6)
    predictions = {"images": [{"id": 7, "file_name": "leftImg8bit/val/city/city_000000_000001_leftImg8bit.png", "height": 8, "width": 8}],
                   "categories": [{"id": CAR.id, "name": "car"}],
                   "annotations": [{"id": 1, "image_id": 7, "category_id": CAR.id, "segmentation": encode_mask(car), "score": 0.8}]}
    (tmp_path / "inst.json").write_text(json.dumps(predictions))
    assert main(["fuse", "--semantic", str(tmp_path / "sem"), "--instances", str(tmp_path / "inst.json"), "--out", str(tmp_path / "out")]) == 0
    fused = read_png(tmp_path / "out" / "city_000000_000001_pred.png")
    assert (fused[car] == CAR.train_id).all() and (fused[~car] == ROAD.train_id).all()
    assert read_png(tmp_path / "out" / "instances" / "city_000000_000001_instanceIds.png")[3, 3] == CAR.id * 1000
    assert "1 instances pasted" in capsys.readouterr().out


def _case(tmp_path, semantic_name, file_name, segmentation=None, size=(8, 8)):
    """One semantic map named ``semantic_name`` and a predictions file naming its image ``file_name``."""
    write_png(tmp_path / "sem" / semantic_name, np.full(size, ROAD.train_id, np.uint8))
    car = _box((8, 8), 2, 6, 2, 6)
    predictions = {"images": [{"id": 3, "file_name": file_name, "height": 8, "width": 8}],
                   "categories": [{"id": CAR.id, "name": "car"}],
                   "annotations": [{"id": 1, "image_id": 3, "category_id": CAR.id, "score": 0.9,
                                    "segmentation": encode_mask(car) if segmentation is None else segmentation}]}
    (tmp_path / "inst.json").write_text(json.dumps(predictions))
    return ["fuse", "--semantic", str(tmp_path / "sem"), "--instances", str(tmp_path / "inst.json"), "--out", str(tmp_path / "out")]


@pytest.mark.parametrize("semantic_name, file_name", [
    ("frankfurt_000000_000294_leftImg8bit_pred.png", "frankfurt_000000_000294_leftImg8bit.png"),  # official-style names
    ("frankfurt_000000_000294_pred.png", "/data/frankfurt/frankfurt_000000_000294_leftImg8bit.jpg"),  # .jpg, another folder
    ("0001TP_006690_pred.png", "camvid/val/0001TP_006690.png"),  # no Cityscapes key: the stem
])
def test_images_are_matched_by_key_or_stem(tmp_path, capsys, semantic_name, file_name):
    assert main(_case(tmp_path, semantic_name, file_name)) == 0
    assert "1 instances pasted" in capsys.readouterr().out
    assert (read_png(tmp_path / "out" / semantic_name) == CAR.train_id).sum() == 16


def test_nothing_matching_is_an_error_and_a_missing_entry_is_said(tmp_path, capsys):
    assert main(_case(tmp_path, "berlin_000000_000001_pred.png", "frankfurt_000000_000294_leftImg8bit.png")) == 2
    error = capsys.readouterr().err
    assert "none of its 1 images matches a semantic map" in error and len(error.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
    write_png(tmp_path / "sem" / "frankfurt_000000_000294_pred.png", np.full((8, 8), ROAD.train_id, np.uint8))
    assert main(_case(tmp_path, "berlin_000000_000001_pred.png", "frankfurt_000000_000294_leftImg8bit.png")) == 0
    assert "1 of 2 semantic maps have no entry" in capsys.readouterr().err


def test_polygons_are_read_and_bad_masks_or_out_are_one_line(tmp_path, capsys):
    square = [[2, 2, 6, 2, 6, 6, 2, 6]]
    assert main(_case(tmp_path, "a_000000_000001_pred.png", "a_000000_000001.png", segmentation=square)) == 0
    assert (read_png(tmp_path / "out" / "a_000000_000001_pred.png") == CAR.train_id).sum() > 0
    other = encode_mask(np.ones((4, 4), bool))
    assert main(_case(tmp_path, "a_000000_000001_pred.png", "a_000000_000001.png", segmentation=other)) == 2
    assert "annotation 1 has a 4x4 mask, but the semantic map is 8x8" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    argv = _case(tmp_path, "a_000000_000001_pred.png", "a_000000_000001.png")
    assert main(argv[:-1] + [str(tmp_path / "file")]) == 2
    assert "exists and is not a folder (--out)" in capsys.readouterr().err


def test_rules_out_of_range_are_one_line(tmp_path, capsys):
    argv = _case(tmp_path, "a_000000_000001_pred.png", "a_000000_000001.png")
    assert main(argv + ["--min-visible", "5"]) == 2
    assert "--min-visible: a fraction of the mask, 0..1, got 5.0" in capsys.readouterr().err
    assert main(argv + ["--score-threshold", "2"]) == 2  # before: accepted, and nothing pasted
    assert "--score-threshold: expected a number from 0 to 1, got 2.0" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_detections_without_a_semantic_map_are_said(tmp_path, capsys):
    argv = _case(tmp_path, "a_000000_000001_pred.png", "a_000000_000001.png")
    predictions = json.loads((tmp_path / "inst.json").read_text())
    predictions["images"].append({"id": 4, "file_name": "b_000000_000002.png", "height": 8, "width": 8})
    predictions["annotations"].append(dict(predictions["annotations"][0], id=2, image_id=4))
    (tmp_path / "inst.json").write_text(json.dumps(predictions))
    assert main(argv) == 0
    assert "the detections of 1 images in" in capsys.readouterr().err  # before: dropped without a word


def test_detectron2_results_lists_take_their_images_from_the_gt_coco(tmp_path, capsys):
    argv = _case(tmp_path, "frankfurt_000000_000294_pred.png", "frankfurt_000000_000294_leftImg8bit.png")
    coco = json.loads((tmp_path / "inst.json").read_text())
    gt = {"images": coco["images"], "categories": coco["categories"], "annotations": []}
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    results = [{"image_id": 3, "category_id": CAR.id, "segmentation": a["segmentation"], "score": 0.9, "bbox": [2, 2, 4, 4]}
               for a in coco["annotations"]]
    (tmp_path / "inst.json").write_text(json.dumps(results))  # what detectron2's COCOEvaluator writes
    assert main(argv) == 2
    assert "give the ground-truth COCO file its image_ids refer to with --gt-coco" in capsys.readouterr().err
    assert main(argv + ["--gt-coco", str(tmp_path / "gt.json")]) == 0
    assert "1 instances pasted" in capsys.readouterr().out
    assert main(["evaluate-instances", "--gt", str(tmp_path / "gt.json"), "--pred", str(tmp_path / "inst.json")]) == 0
    assert "1 detections" in capsys.readouterr().out
