"""Instance copy-paste writes each pasted instance's pixels, label and a new instance id exactly."""
import numpy as np
from PIL import Image

from segkit import labels
from segkit.data.catalog import Record
from segkit.data.copy_paste import CopyPaste
from segkit.data.transforms import Compose, RandomHorizontalFlip

PERSON, CAR, SIGN = (labels.BY_NAME[name].id for name in ("person", "car", "traffic sign"))


def _donor(tmp_path):
    image = np.random.default_rng(1).integers(0, 256, (8, 10, 3), dtype=np.uint8)
    instances = np.full((8, 10), labels.BY_NAME["road"].id, dtype=np.uint16)
    instances[1:4, 1:3] = PERSON * 1000 + 0
    instances[5:7, 6:9] = CAR * 1000 + 0  # not a pasted class
    instances[0:2, 7:9] = SIGN * 1000 + 3
    Image.fromarray(image).save(tmp_path / "donor.png")
    Image.fromarray(instances).save(tmp_path / "donor_instanceIds.png")
    return Record("veis", "donor", tmp_path / "donor.png", instances=tmp_path / "donor_instanceIds.png"), image, instances


def _target():
    instances = np.full((8, 10), labels.BY_NAME["sidewalk"].id, dtype=np.uint16)
    instances[2:6, 0:4] = PERSON * 1000 + 4  # the target's own person: a pasted one becomes person 5
    label = labels.ID_TO_TRAIN_ID[instances // 1000 * (instances >= 1000) + instances * (instances < 1000)]
    return {"image": np.zeros((8, 10, 3), np.uint8), "label": label.astype(np.uint8), "instances": instances}


def test_pasted_instances_get_their_pixels_class_and_a_new_id(tmp_path):
    record, donor_image, donor_instances = _donor(tmp_path)
    paste, target = CopyPaste([record], probability=1.0), _target()
    seen = set()
    for seed in range(12):
        out = paste(target, np.random.default_rng(seed))
        flipped = not np.array_equal(out["image"][1:4, 1:3], donor_image[1:4, 1:3])
        image, instances = (donor_image[:, ::-1], donor_instances[:, ::-1]) if flipped else (donor_image, donor_instances)
        seen.add(flipped)
        person, sign = instances == PERSON * 1000, instances == SIGN * 1000 + 3
        pasted = person | sign
        np.testing.assert_array_equal(out["image"][pasted], image[pasted])
        np.testing.assert_array_equal(out["image"][~pasted], 0)
        assert (out["label"][person] == labels.BY_NAME["person"].train_id).all()
        assert (out["label"][sign] == labels.BY_NAME["traffic sign"].train_id).all()
        np.testing.assert_array_equal(out["label"][~pasted], target["label"][~pasted])
        assert (out["instances"][person] == PERSON * 1000 + 5).all() and (out["instances"][sign] == SIGN * 1000).all()
        np.testing.assert_array_equal(out["instances"][~pasted], target["instances"][~pasted])
    assert seen == {True, False}  # the donor comes flipped or not


def test_no_paste_without_donors_or_below_the_probability(tmp_path):
    record, _, _ = _donor(tmp_path)
    target = _target()
    assert CopyPaste([Record("pseudo", "x", tmp_path / "x.png")], probability=1.0)(target, np.random.default_rng(0)) is target
    assert CopyPaste([record], probability=0.0)(target, np.random.default_rng(0)) is target


def test_a_paste_then_flip_moves_labels_and_instances_with_the_image(tmp_path):
    record, _, _ = _donor(tmp_path)
    steps = Compose([CopyPaste([record], probability=1.0), RandomHorizontalFlip(p=1.0)])
    pasted = CopyPaste([record], probability=1.0)(_target(), np.random.default_rng(3))
    out = steps(_target(), np.random.default_rng(3))
    for key in ("image", "label", "instances"):
        np.testing.assert_array_equal(out[key], pasted[key][:, ::-1])
