"""Bounded memos: least recently used out first; identity keys never confuse two live objects."""
import numpy as np

from veis_gen.assets.memo import IdentityMemo, Memo


def test_the_least_recently_used_value_goes_first():
    made = []
    memo = Memo(2)

    def make(key):
        return lambda: made.append(key) or key * 10

    assert [memo.get(k, make(k)) for k in (1, 2, 1, 3, 1, 2)] == [10, 20, 10, 30, 10, 20]
    assert made == [1, 2, 3, 2]  # 2 was the least recently used when 3 came, 3 when 2 came back
    assert len(memo) == 2


def test_identity_keys_keep_their_object_and_stay_bounded():
    memo = IdentityMemo(3)
    arrays = [np.full(4, k) for k in range(10)]
    for array in arrays:
        assert memo.get(array, lambda: array.sum()) == array.sum()
    assert len(memo) == 3
    equal_but_other = np.full(4, 9)
    assert memo.get(equal_but_other, lambda: "made again") == "made again"
    for index in range(500):  # short-lived keys: their ids are reused, their values never are
        assert memo.get(np.full(4, index), lambda: index) == index
