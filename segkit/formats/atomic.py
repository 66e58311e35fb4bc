"""Writes that never leave a half-written file: write beside the target, then rename over it.

Files get the mode a plain ``open()`` would give them (0666 less the umask), not mkstemp's private 0600:
datasets and checkpoints are read by other users and containers."""
from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path in the target's folder; on success it is renamed to ``path``."""
    path = Path(path)
    if path.is_dir():  # else the rename fails naming the hidden temporary file
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if exc.filename is None:  # a full disk names no file: name the one being written
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_output_file(path: str | os.PathLike, flag: str) -> None:
    """Before any long work: ``path`` can be written as a file (not a folder, and no file where a folder must be)."""
    from segkit.errors import UserError

    path = Path(path)
    if path.is_dir():
        raise UserError(f"{flag} {path}: is a folder: give a file name")
    existing = next((parent for parent in path.parents if parent.exists()), None)
    if existing is not None and not existing.is_dir():
        raise UserError(f"{flag} {path}: {existing} is a file, not a folder")


@functools.cache
def _umask() -> int:
    """The process's umask, read once: reading it means setting it, which other threads could see."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj, *, indent: int | None = None) -> None:
    write_text(path, json.dumps(obj, indent=indent, sort_keys=False) + "\n")
