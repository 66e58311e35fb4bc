"""PNG bytes: every level decodes (in Pillow and libspng) to the array given, the same bytes every time."""
import io

import numpy as np
import pytest
from PIL import Image

from segkit.formats.png import encode_png, read_png


def _arrays():
    rng = np.random.default_rng(0)
    labels = np.repeat(rng.integers(0, 34, (13, 1), dtype=np.uint8), 37, axis=1)
    labels[4:9, 10:30] = 26
    yield "label map", labels
    yield "noise grey", rng.integers(0, 256, (7, 5), dtype=np.uint8)
    yield "16-bit ids", (labels.astype(np.uint16) * 1000 + rng.integers(0, 3, labels.shape)).astype(np.uint16)
    yield "16-bit full range", rng.integers(0, 65536, (9, 11), dtype=np.uint16)
    yield "rgb", rng.integers(0, 256, (6, 17, 3), dtype=np.uint8)
    yield "rgba", rng.integers(0, 256, (5, 3, 4), dtype=np.uint8)
    yield "one pixel", np.array([[7]], dtype=np.uint8)
    yield "one column", rng.integers(0, 65536, (8, 1), dtype=np.uint16)


@pytest.mark.parametrize("level", [0, 1, 2, 3, 6, None])
@pytest.mark.parametrize("name,array", list(_arrays()), ids=[name for name, _ in _arrays()])
def test_every_level_decodes_to_the_array(tmp_path, name, array, level):
    data = encode_png(array, compress_level=level)
    assert data == encode_png(array.copy(), compress_level=level)
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        decoded = np.asarray(image)
    np.testing.assert_array_equal(decoded.astype(array.dtype), array)
    (tmp_path / "a.png").write_bytes(data)
    got = read_png(tmp_path / "a.png")  # libspng for grey, Pillow for colour
    assert got.dtype == array.dtype
    np.testing.assert_array_equal(got, array)


def test_fast_levels_write_a_plain_png_of_the_right_kind():
    for array, mode in [(np.zeros((4, 6), np.uint8), "L"), (np.zeros((4, 6), np.uint16), "I;16"),
                        (np.zeros((4, 6, 3), np.uint8), "RGB"), (np.zeros((4, 6, 4), np.uint8), "RGBA")]:
        data = encode_png(array, compress_level=1)
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
        with Image.open(io.BytesIO(data)) as image:
            assert (image.mode, image.size) == (mode, (6, 4))


def test_non_contiguous_and_big_endian_inputs():
    base = np.arange(600, dtype=np.uint16).reshape(20, 30) * 97
    for array in (base[::2, ::3], base.astype(">u2"), base.T):
        data = encode_png(np.asarray(array, dtype=np.uint16), compress_level=1)
        with Image.open(io.BytesIO(data)) as image:
            np.testing.assert_array_equal(np.asarray(image).astype(np.uint16), array)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_fast_levels_are_zlib_of_up_filtered_rows(level):
    """The generator's levels deflate with zlib (deterministic): ISA-L once gave other bytes for the same pixels."""
    import struct
    import zlib

    array = np.random.default_rng(1).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    data = encode_png(array, compress_level=level)
    length = struct.unpack(">I", data[33:37])[0]
    assert data[37:41] == b"IDAT"
    rows = array.reshape(32, -1)
    filtered = np.concatenate([np.full((32, 1), 2, np.uint8), np.concatenate([rows[:1], rows[1:] - rows[:-1]])], axis=1)
    assert data[41:41 + length] == zlib.compress(filtered.tobytes(), level)
