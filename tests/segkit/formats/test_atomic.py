"""Atomic writes leave the mode a plain open() gives, and nothing half-written."""
import os
import stat

import pytest

from segkit.formats.atomic import write_bytes, write_json


def test_files_get_the_mode_of_a_plain_open(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(b"x")
    write_bytes(tmp_path / "atomic", b"x")
    write_json(tmp_path / "a.json", {"a": 1})
    expected = stat.S_IMODE(plain.stat().st_mode)
    assert stat.S_IMODE((tmp_path / "atomic").stat().st_mode) == expected == 0o666 & ~_umask()
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == expected


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_failed_write_leaves_no_file(tmp_path):
    class Boom(Exception):
        pass

    from segkit.formats.atomic import atomic_path

    with pytest.raises(Boom):
        with atomic_path(tmp_path / "f") as tmp:
            tmp.write_bytes(b"half")
            raise Boom
    assert list(tmp_path.iterdir()) == []


def test_an_empty_or_foreign_file_is_named_plainly(tmp_path):
    from segkit.errors import UserError
    from segkit.formats.png import read_png

    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_bytes(b"not an image")
    with pytest.raises(UserError, match=r"empty\.png: empty file \(0 bytes\)"):
        read_png(tmp_path / "empty.png")
    with pytest.raises(UserError, match=r"text\.png: not a readable image \(not a PNG") as info:
        read_png(tmp_path / "text.png")
    assert "BytesIO" not in str(info.value)


def test_a_write_error_names_the_file(tmp_path, monkeypatch):
    import errno
    from pathlib import Path

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OSError) as info:
        write_bytes(tmp_path / "f.bin", b"x")
    assert info.value.filename == str(tmp_path / "f.bin") and list(tmp_path.iterdir()) == []
