"""Bounded memos: a worker makes thousands of scenes, each with meshes of its own (a road of the sampled width),
and must not keep every mesh, hull or normal array it ever built.

Not cachetools' LRUCache: ``Memo`` is its one behaviour (least recently used out) in a few lines over an OrderedDict,
and the generator would take a dependency for it. ``IdentityMemo`` is what no library cache does: its keys are
objects that cannot be hashed or compared cheaply (vertex arrays, meshes), so it keys on ``id`` and keeps the object
beside the value; a cache keyed on the id alone would hand an entry to a new object given a freed one's id.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable


class Memo:
    """At most ``size`` values by key; the least recently used is dropped first."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], object]):
        if key in self._values:
            self._values.move_to_end(key)
            return self._values[key]
        value = make()
        self._values[key] = value
        if len(self._values) > self.size:
            self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._values)


class IdentityMemo:
    """A `Memo` keyed by an object that cannot be hashed (a mesh, an array): the object is kept beside its value,
    so its id cannot be reused by another object while the entry lives."""

    def __init__(self, size: int):
        self._memo = Memo(size)

    def get(self, key_object, make: Callable[[], object]):
        return self._memo.get(id(key_object), lambda: (key_object, make()))[1]

    def __len__(self) -> int:
        return len(self._memo)
