import numpy as np
import pytest

from veis_gen.assets.mesh import triangulate
from veis_gen.assets.recipes import signs, vehicles


def _crosses(p, q, r, s) -> bool:
    def side(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
    return side(p, q, r) * side(p, q, s) < 0 and side(r, s, p) * side(r, s, q) < 0


def _assert_simple_and_covered(name: str, outline: np.ndarray) -> None:
    n = len(outline)
    edges = [(outline[i], outline[(i + 1) % n]) for i in range(n)]
    assert all(np.linalg.norm(b - a) > 1e-9 for a, b in edges), f"{name}: repeated point"
    for i, j in ((i, j) for i in range(n) for j in range(i + 2, n) if (j + 1) % n != i):
        assert not _crosses(*edges[i], *edges[j]), f"{name}: edges {i} and {j} cross"
    # ear clipping that stalls returns fewer triangles: the face would have a hole
    triangles = outline[triangulate(outline)]
    (ax, ay), (bx, by) = (triangles[:, 1] - triangles[:, 0]).T, (triangles[:, 2] - triangles[:, 0]).T
    covered = 0.5 * np.abs(ax * by - ay * bx).sum()
    area = 0.5 * abs(np.sum(outline[:, 0] * np.roll(outline[:, 1], -1) - np.roll(outline[:, 0], -1) * outline[:, 1]))
    assert covered == pytest.approx(area, rel=1e-6), f"{name}: triangulation covers {covered:.4f} of {area:.4f}"


@pytest.fixture
def outline_check(monkeypatch):
    """Records the outlines sign plates and vehicle profiles are extruded from; the returned check asserts
    each is a simple polygon its triangulation covers, and returns how many there were."""
    seen = []
    for module, name in ((signs, "flat_shape"), (vehicles, "extrude_profile")):
        def spy(part_name, outline, *args, _original=getattr(module, name), **kwargs):
            seen.append((part_name, np.asarray(outline, float)))
            return _original(part_name, outline, *args, **kwargs)
        monkeypatch.setattr(module, name, spy)

    def check() -> int:
        for part_name, outline in seen:
            _assert_simple_and_covered(part_name, outline)
        count = len(seen)
        seen.clear()
        return count
    return check
