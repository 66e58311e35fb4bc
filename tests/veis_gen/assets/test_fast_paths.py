"""Shortcuts that must give what the plain numpy calls give: palette draws (Generator.choice) and vertex
normals (np.add.at)."""
import numpy as np

from veis_gen.assets import materials
from veis_gen.assets.mesh import Part, cylinder, sphere
from veis_gen.render.compose import vertex_normals


def _plain_sample(kind, rng):
    """sample_material as written with Generator.choice."""
    colours, families, tile, roughness, metallic = materials.PALETTES.get(kind, materials.PALETTES["body"])
    weights = np.array([w for _, w in colours], dtype=float)
    base = np.array(colours[rng.choice(len(colours), p=weights / weights.sum())][0], dtype=float)
    color = tuple(int(v) for v in np.clip(base + rng.normal(0.0, 8.0, size=3) + rng.normal(0.0, 6.0), 0, 255))
    texture = None
    if families and rng.random() < materials.TEXTURE_PROBABILITY.get(kind, 0.75):
        texture = families[rng.integers(len(families))]
    return materials.Material(kind, color, texture, int(rng.integers(materials.TEXTURE_POOL)),
                              tile * float(rng.uniform(0.7, 1.4)), roughness, metallic)


def test_palette_draws_are_generator_choice():
    kinds = list(materials.PALETTES) + ["a kind without a palette"]
    for seed in range(40):
        mine, plain = np.random.default_rng(seed), np.random.default_rng(seed)
        for kind in kinds * 3:
            assert materials.sample_material(kind, mine) == _plain_sample(kind, plain)
        assert mine.random() == plain.random()


def test_vertex_normals_are_the_add_at_sums():
    rng = np.random.default_rng(0)
    soup = Part("soup", rng.normal(0, 3, (300, 3)).astype(np.float32), rng.integers(0, 300, (900, 3)).astype(np.int32))
    for part in (sphere("s", 1.3, subdivisions=3), cylinder("c", 0.4, 2.0), soup):
        triangles = part.vertices[part.faces]
        weighted = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
        sums = np.zeros_like(part.vertices, dtype=np.float64)
        for corner in range(3):
            np.add.at(sums, part.faces[:, corner], weighted)
        length = np.linalg.norm(sums, axis=1, keepdims=True)
        expected = (sums / np.where(length > 0, length, 1.0)).astype(np.float32)
        assert vertex_normals(part).tobytes() == expected.tobytes()
