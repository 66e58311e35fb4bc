"""AssetMesh.transformed: translations of many parts at once give the bits a per-part transform gives."""
import numpy as np

from veis_gen.assets.mesh import AssetMesh, box, cylinder


def _one_by_one(mesh, matrix):
    return [(p.vertices @ matrix[:3, :3].T + matrix[:3, 3]).astype(np.float32) for p in mesh.parts]


def test_translation_and_general_transforms_match_part_by_part():
    rng = np.random.default_rng(2)
    mesh = AssetMesh([box(f"b{i}", rng.uniform(0.1, 3, 3), rng.uniform(-20, 20, 3)) for i in range(50)]
                     + [cylinder("c", 0.3, 2.0, (1.0, -2.0, 0.5))], {"top": np.array([0.1, 0.2, 3.3], np.float32)})
    shift = np.eye(4)
    shift[:3, 3] = (-0.1234567, 3.3, -0.0)
    turn = np.eye(4)
    turn[:3, :3] = [[0.0, -1.5, 0.0], [1.5, 0.0, 0.0], [0.0, 0.0, -1.5]]  # scaled, and a mirror
    for matrix in (shift, turn):
        moved = mesh.transformed(matrix)
        for part, expected, original in zip(moved.parts, _one_by_one(mesh, matrix), mesh.parts):
            assert part.vertices.dtype == np.float32
            assert part.vertices.tobytes() == expected.tobytes()
            assert (part.name, part.kind) == (original.name, original.kind)
        flipped = np.linalg.det(matrix[:3, :3]) < 0
        np.testing.assert_array_equal(moved.parts[0].faces, mesh.parts[0].faces[:, ::-1] if flipped else mesh.parts[0].faces)
    grounded = mesh.grounded()
    assert grounded.bounds[0][2] == 0.0
    assert mesh.parts[0].vertices is not grounded.parts[0].vertices
