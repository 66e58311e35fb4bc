"""Datasets by name, on tiny trees built in tmp with the real file conventions."""
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from scipy.io import savemat

from segkit import labels
from segkit.data.catalog import get
from segkit.data.labels_io import record_label_ids, read_train_ids
from segkit.errors import UserError


def _png16_rgb(path, array):
    """A 16-bit three-channel PNG, as SYNTHIA's GT/LABELS (Pillow cannot write one)."""
    height, width, _ = array.shape
    raw = b"".join(b"\x00" + array[y].astype(">u2").tobytes() for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_gta5_reads_palette_indices_and_colours_and_skips_mismatched(gta5_root, capsys):
    root, ids = gta5_root
    records = get("gta5", roots={"gta5": root})
    assert [r.name for r in records] == ["00001", "00002", "00003"]
    err = capsys.readouterr().err
    assert "skipped 1 image(s)" in err and "00004" in err
    for record in records:
        np.testing.assert_array_equal(record_label_ids(record), ids)
    train = read_train_ids(records[0])
    assert train[0, 0] == labels.BY_NAME["sky"].train_id and train[12, 6] == labels.BY_NAME["car"].train_id
    assert [r.name for r in get("gta5:train", roots={"gta5": root})] == ["00001", "00003"]
    assert [r.name for r in get("gta5:val", roots={"gta5": root})] == ["00002"]


def test_synthia_maps_its_classes_to_cityscapes(tmp_path):
    root = tmp_path / "synthia"
    (root / "RGB").mkdir(parents=True)
    (root / "GT" / "LABELS").mkdir(parents=True)
    synthia_ids = np.array([[labels.SYNTHIA_CLASSES.index(n) for n in ("sky", "pedestrian", "lanemarking", "terrain", "truck", "void")]],
                           dtype=np.uint16)
    gt = np.stack([synthia_ids, synthia_ids * 0 + 7, synthia_ids * 0], axis=2)  # class, instance, nothing
    _png16_rgb(root / "GT" / "LABELS" / "0000001.png", gt)
    Image.new("RGB", (6, 1)).save(root / "RGB" / "0000001.png")
    (record,) = get("synthia", roots={"synthia": root})
    names = [labels.BY_ID[int(i)].name for i in record_label_ids(record)[0]]
    assert names == ["sky", "person", "road", "unlabeled", "unlabeled", "unlabeled"]  # terrain, truck: not in the 16


def test_cityscapes_and_folder(mini_copy, monkeypatch):
    monkeypatch.setenv("CITYSCAPES_DATASET", str(mini_copy))
    (record,) = get("cityscapes:val")
    assert record.label_format == "cityscapes_ids" and record.instances.name.endswith("instanceIds.png")
    assert get("folder:" + str(mini_copy / "leftImg8bit"))[0].name == "frankfurt_000000_000294"


@pytest.mark.parametrize("spec, kwargs, message", [
    ("cityscapes:val", {}, "pass --cityscapes DIR or set CITYSCAPES_DATASET"),
    ("cityscapes:val", {"cityscapes": "/nonexistent"}, "/nonexistent: no such folder"),
    ("cityscapes:train", {"cityscapes": "__mini__"}, "expected a folder"),
    ("gta5", {"gta5": "__tmp__"}, "expected folders"),
    ("kitti", {}, "unknown dataset 'kitti'"),
    ("cityscapes", {}, "name a split"),
])
def test_missing_roots_and_layouts_are_one_line(spec, kwargs, message, monkeypatch, mini_copy, tmp_path):
    monkeypatch.delenv("CITYSCAPES_DATASET", raising=False)
    kwargs = {k: (str(mini_copy) if v == "__mini__" else str(tmp_path) if v == "__tmp__" else v) for k, v in kwargs.items()}
    with pytest.raises(UserError, match=message) as info:
        get(spec, roots=kwargs)
    assert "\n" not in str(info.value)
