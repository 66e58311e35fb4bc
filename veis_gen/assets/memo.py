"""Bounded memos: a worker makes thousands of scenes, each with meshes of its own (a road of the sampled width),
and must not keep every mesh, hull or normal array it ever built."""
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
