import json
import os

import numpy as np
import pytest
from cityscapesscripts.helpers.annotation import Annotation
from cityscapesscripts.preparation.json2instanceImg import createInstanceImage
from cityscapesscripts.preparation.json2labelImg import json2labelImg
from PIL import Image

from segkit import labels
from segkit.formats.atomic import atomic_path, write_bytes
from segkit.formats.cityscapes import (
    check_consistent, gt_path, image_path, label_ids_from_instance_ids, list_records, read_instance_ids,
    read_label_ids, write_gt, write_image,
)
from segkit.formats.png import read_png
MINI_NAME = "frankfurt_000000_000294"


def _mini_maps(root):
    return (read_label_ids(gt_path(root, "val", "frankfurt", MINI_NAME, "labelIds")),
            read_instance_ids(gt_path(root, "val", "frankfurt", MINI_NAME, "instanceIds")))


def test_read_fixture(cityscapes_mini):
    (record,) = list_records(cityscapes_mini)
    assert (record.split, record.city, record.name) == ("val", "frankfurt", MINI_NAME)
    assert record.image == image_path(cityscapes_mini, "val", "frankfurt", MINI_NAME)
    assert record.polygons is None and record.color is None
    label_ids, instance_ids = _mini_maps(cityscapes_mini)
    assert label_ids.dtype == np.uint8 and label_ids.shape == (128, 256)
    assert instance_ids.dtype == np.uint16
    assert set(np.unique(instance_ids[instance_ids >= 1000]) // 1000) == set(labels.ids_of(["person", "car"]))
    assert check_consistent(label_ids, instance_ids) is None
    assert read_png(record.image).shape == (128, 256, 3)


def test_round_trip_is_exact(cityscapes_mini, tmp_path):
    label_ids, instance_ids = _mini_maps(cityscapes_mini)
    rgb = read_png(image_path(cityscapes_mini, "val", "frankfurt", MINI_NAME))
    write_image(tmp_path, "val", "frankfurt", MINI_NAME, rgb)
    paths = write_gt(tmp_path, "val", "frankfurt", MINI_NAME, label_ids=label_ids, instance_ids=instance_ids)
    (record,) = list_records(tmp_path)
    assert record.label_ids == paths["labelIds"] and record.polygons == paths["polygons"]
    back_labels, back_instances = _mini_maps(tmp_path)
    assert back_labels.tobytes() == label_ids.tobytes() and back_labels.dtype == np.uint8
    assert back_instances.tobytes() == instance_ids.tobytes() and back_instances.dtype == np.uint16
    assert read_png(record.image).tobytes() == rgb.tobytes()
    np.testing.assert_array_equal(read_png(paths["labelTrainIds"]), labels.ID_TO_TRAIN_ID[label_ids])
    assert not list(tmp_path.rglob("*.tmp"))


def test_files_agree_with_the_official_converters(cityscapes_mini, tmp_path):
    label_ids, instance_ids = _mini_maps(cityscapes_mini)
    paths = write_gt(tmp_path, "val", "frankfurt", MINI_NAME, label_ids=label_ids, instance_ids=instance_ids)
    doc = json.loads(paths["polygons"].read_text())
    assert (doc["imgHeight"], doc["imgWidth"]) == (128, 256)
    for encoding, expected in (("ids", label_ids), ("trainIds", read_png(paths["labelTrainIds"])),
                               ("color", read_png(paths["color"]))):
        out = tmp_path / f"official_{encoding}.png"
        json2labelImg(str(paths["polygons"]), str(out), encoding)
        np.testing.assert_array_equal(np.asarray(Image.open(out)), expected)
    annotation = Annotation()
    annotation.fromJsonFile(str(paths["polygons"]))
    # json2instanceImg itself cannot save its 32-bit image with Pillow >= 11; draw it and compare in memory.
    official = np.asarray(createInstanceImage(annotation, "ids")).astype(np.int64)
    np.testing.assert_array_equal(label_ids_from_instance_ids(official), label_ids)
    # The official numbering follows the object list; every official instance must be one of ours.
    for value in np.unique(official[official >= 1000]):
        assert len(np.unique(instance_ids[official == value])) == 1


def test_polygons_exact_on_random_maps(tmp_path, rng):
    from scipy import ndimage

    ids = labels.ids_of(["road", "building", "vegetation", "sky", "car", "person"])
    for trial in range(3):
        noise = ndimage.gaussian_filter(rng.random((6, 48, 64)), 2.0 + trial)
        label_ids = np.array(ids, dtype=np.uint8)[noise.argmax(0)]
        instance_ids = label_ids.astype(np.uint16)
        things = np.isin(label_ids, labels.ids_of(["car", "person"]))
        components, count = ndimage.label(things)
        instance_ids[things] = label_ids[things].astype(np.uint16) * 1000 + components[things].astype(np.uint16)
        paths = write_gt(tmp_path, "train", "rand", f"r_{trial}", label_ids=label_ids, instance_ids=instance_ids)
        out = tmp_path / f"official_{trial}.png"
        json2labelImg(str(paths["polygons"]), str(out), "ids")
        np.testing.assert_array_equal(np.asarray(Image.open(out)), label_ids)


def test_write_gt_rejects_disagreeing_maps(tmp_path):
    label_ids = np.full((4, 6), labels.BY_NAME["road"].id, dtype=np.uint8)
    instance_ids = label_ids.astype(np.uint16)
    instance_ids[1, 1] = labels.BY_NAME["car"].id * 1000 + 1
    with pytest.raises(ValueError, match="1 pixels where instanceIds disagrees"):
        write_gt(tmp_path, "train", "c", "n", label_ids=label_ids, instance_ids=instance_ids)
    road_instance = label_ids.astype(np.uint16)
    road_instance[0, 0] = labels.BY_NAME["road"].id * 1000 + 1
    assert "classes without instances: road" in check_consistent(label_ids, road_instance)
    assert not list(tmp_path.rglob("*.png"))


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    write_bytes(target, b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed")
    assert target.read_bytes() == b"old"
    assert os.listdir(target.parent) == ["file.bin"]


def test_slivers_and_lone_pixels_are_rings_shapely_accepts_and_still_exact(tmp_path):
    """detectron2's from_json loader builds shapely Polygon(points + 0.5).buffer(0.5) for every object."""
    shapely_geometry = pytest.importorskip("shapely.geometry")
    label_ids = np.full((12, 16), labels.BY_NAME["road"].id, dtype=np.uint8)
    instance_ids = label_ids.astype(np.uint16)
    car, person = labels.BY_NAME["car"].id, labels.BY_NAME["person"].id
    instance_ids[3, 2:10] = car * 1000 + 1  # a one-pixel-high sliver
    instance_ids[5:11, 12] = person * 1000 + 2  # a one-pixel-wide one
    instance_ids[8, 4] = car * 1000 + 3  # a lone pixel
    label_ids[instance_ids >= 1000] = (instance_ids[instance_ids >= 1000] // 1000).astype(np.uint8)
    paths = write_gt(tmp_path, "train", "c", "c_000000_000001", label_ids=label_ids, instance_ids=instance_ids)
    document = json.loads(paths["polygons"].read_text())
    assert min(len(o["polygon"]) for o in document["objects"]) >= 3
    for obj in document["objects"]:
        polygon = shapely_geometry.Polygon(np.asarray(obj["polygon"], dtype="f4") + 0.5).buffer(0.5, quad_segs=4)  # detectron2: resolution=4
        assert polygon.is_valid and polygon.area > 0
    out = tmp_path / "official.png"
    json2labelImg(str(paths["polygons"]), str(out), "ids")
    np.testing.assert_array_equal(np.asarray(Image.open(out)), label_ids)
