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
