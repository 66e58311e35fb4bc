"""CamVid in the catalog: records from the list files, labels through the one label table, one-line errors."""
import numpy as np
import pytest

from segkit import labels
from segkit.data.catalog import get
from segkit.data.labels_io import read_classes, read_train_ids
from segkit.errors import UserError
from segkit.formats.png import read_png


def test_records_follow_the_list_file(camvid_root, monkeypatch):
    monkeypatch.setenv("CAMVID_DATASET", str(camvid_root))
    records = get("camvid:val")
    assert [r.name for r in records] == ["0001TP_val000", "0001TP_val001"]
    assert all(r.label_format == "camvid" and r.split == "val" and r.dataset == "camvid" for r in records)
    assert records[0].label == camvid_root / "valannot" / "0001TP_val000.png"
    assert len(get("camvid:train", roots={"camvid": camvid_root})) == 3


def test_segnet_absolute_paths_resolve_under_the_root(camvid_root):
    listing = camvid_root / "val.txt"
    listing.write_text(listing.read_text().replace("val/", "/SegNet/CamVid/val/").replace("valannot/", "/SegNet/CamVid/valannot/"))
    assert [r.image for r in get("camvid:val", roots={"camvid": camvid_root})] == sorted((camvid_root / "val").glob("*.png"))


def test_labels_become_representative_train_ids_that_map_back(camvid_root):
    record = get("camvid:train", roots={"camvid": camvid_root})[0]
    camvid = read_classes(record)  # the indices of CamVid's class space: its label values
    train_ids = read_train_ids(record)
    assert np.array_equal(camvid, read_png(record.label))
    assert (train_ids[camvid == labels.CAMVID_VOID] == 255).all()
    labelled = camvid != labels.CAMVID_VOID
    assert np.array_equal(labels.TRAIN_ID_TO_CAMVID[train_ids[labelled]], camvid[labelled])
    assert labels.CAMVID_FOREGROUND == ("SignSymbol", "Car", "Pedestrian", "Bicyclist")


def test_the_usual_mapping_of_the_19_classes():
    mapped = {name: labels.CAMVID_CLASSES[labels.TRAIN_ID_TO_CAMVID[labels.BY_NAME[name].train_id]] for name in labels.TRAIN_CLASSES}
    assert mapped["wall"] == mapped["building"] == "Building"
    assert mapped["terrain"] == "Tree" and mapped["traffic light"] == "SignSymbol" and mapped["bus"] == "Car"
    assert mapped["motorcycle"] == mapped["rider"] == "Bicyclist" and mapped["sidewalk"] == "Pavement"
    assert labels.TRAIN_ID_TO_CAMVID[255] == labels.CAMVID_VOID


def _break(root, how):
    if how == "missing image":
        (root / "val" / "0001TP_val001.png").unlink()
    elif how == "label of another size":
        from PIL import Image

        Image.fromarray(np.zeros((10, 10), np.uint8)).save(root / "valannot" / "0001TP_val000.png")
    elif how == "missing list":
        (root / "val.txt").unlink()
    elif how == "bad line":
        (root / "val.txt").write_text("val/0001TP_val000.png\n")


@pytest.mark.parametrize("how, message", [
    ("missing image", r"val\.txt:2: .*0001TP_val001\.png does not exist"),
    ("label of another size", r"valannot/0001TP_val000\.png: 10x10 differs from its image's 32x24"),
    ("missing list", r"val\.txt: missing"),
    ("bad line", r"val\.txt:1: expected 'IMAGE LABEL'"),
])
def test_bad_trees_are_one_line_naming_the_file(camvid_root, how, message):
    _break(camvid_root, how)
    with pytest.raises(UserError, match=message) as info:
        get("camvid:val", roots={"camvid": camvid_root})
    assert "\n" not in str(info.value)


def test_missing_root_names_the_flag_and_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("CAMVID_DATASET", raising=False)
    with pytest.raises(UserError, match="pass --camvid DIR or set CAMVID_DATASET"):
        get("camvid:val")
    with pytest.raises(UserError, match="no such folder"):
        get("camvid:val", roots={"camvid": tmp_path / "nowhere"})
