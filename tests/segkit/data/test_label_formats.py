"""Label formats: each catalog entry names the one its records carry; a record's labels read through it, in its
class space; a format with classes of its own joins by a table entry."""
import numpy as np
import pytest

from segkit import labels
from segkit.data import label_formats
from segkit.data.catalog import DATASETS, Record, get
from segkit.data.labels_io import read_classes, read_train_ids, record_label_ids, space_of
from segkit.errors import UserError
from segkit.formats.png import read_png, write_png


def test_records_carry_their_entrys_format(camvid_root, mini_copy, gta5_root):
    roots = {"camvid": camvid_root, "cityscapes": mini_copy, "gta5": gta5_root[0]}
    for spec in ("camvid:val", "cityscapes:val", "gta5"):
        name = spec.partition(":")[0]
        assert {r.label_format for r in get(spec, roots=roots)} == {DATASETS[name].labels.name}
    assert DATASETS["folder"].labels is None
    named = {d.labels.name for d in DATASETS.values() if d.labels is not None}
    assert named == set(label_formats.FORMATS)  # no format without a dataset, none unknown


def test_classes_are_train_ids_in_cityscapes_and_label_values_in_camvid(camvid_root, mini_copy):
    (city,) = get("cityscapes:val", roots={"cityscapes": mini_copy})
    np.testing.assert_array_equal(read_classes(city), read_train_ids(city))
    assert space_of([city]) is labels.CITYSCAPES_SPACE
    camvid = get("camvid:val", roots={"camvid": camvid_root})
    np.testing.assert_array_equal(read_classes(camvid[0]), read_png(camvid[0].label))
    assert space_of(camvid) is labels.CAMVID_SPACE and space_of([]) is labels.CITYSCAPES_SPACE
    with pytest.raises(UserError, match="^the labelled images mix CamVid and Cityscapes classes") as info:
        space_of(camvid + [city])
    assert "\n" not in str(info.value)


def test_unlabelled_and_unknown_records_are_one_line_errors(tmp_path):
    with pytest.raises(UserError, match="this folder image has no labels"):
        record_label_ids(Record("folder", "x", tmp_path / "x.png"))
    with pytest.raises(UserError, match="unknown label format 'kitti'"):
        read_classes(Record("kitti", "x", tmp_path / "x.png", tmp_path / "x_label.png", "kitti"))


TOY_FROM_TRAIN_ID = np.full(256, 2, np.uint8)  # road is ground, car a thing, the rest void
TOY_FROM_TRAIN_ID[labels.train_ids_of(["road", "car"])] = [0, 1]
TOY_SPACE = labels.ClassSpace("toy", "Toy", ("ground", "thing"), ("thing",), 2, TOY_FROM_TRAIN_ID)


def _toy_ids(path):
    return np.array([labels.BY_NAME["road"].id, labels.BY_NAME["car"].id, 0], np.uint8)[read_png(path)]


def test_a_format_of_its_own_is_a_table_entry(tmp_path, monkeypatch):
    toy = label_formats.LabelFormat("toy", _toy_ids, TOY_SPACE, read_png)
    monkeypatch.setitem(label_formats.FORMATS, "toy", toy)
    write_png(tmp_path / "a_label.png", np.array([[0, 1, 2]], np.uint8))
    record = Record("toy", "a", tmp_path / "a.png", tmp_path / "a_label.png", "toy")
    assert space_of([record]) is TOY_SPACE
    np.testing.assert_array_equal(read_classes(record), [[0, 1, 2]])
    np.testing.assert_array_equal(read_train_ids(record), [[0, 13, 255]])
    with pytest.raises(ValueError, match="toy: labels in Toy's classes need a read_classes"):
        label_formats.LabelFormat("toy", _toy_ids, TOY_SPACE)
    with pytest.raises(ValueError, match="void must follow the classes"):
        labels.ClassSpace("bad", "Bad", ("a", "b"), (), 1, np.zeros(256, np.uint8))
