"""Placement: objects never interpenetrate; earlier placements win; groups are kept or dropped together."""
import numpy as np
from scipy.spatial import ConvexHull

from veis_gen.scene.camera import Camera
from veis_gen.scene.library import inline
from veis_gen.scene.types import Scene


def _resolve(placements):
    from veis_gen.physics.placement import Placer
    from veis_gen.scene.library import Library

    scene = Scene(seed=0, kind="complex", camera=Camera(8, 8, 4, 4, 4, 4, tuple(tuple(r) for r in np.eye(4))), lights=(),
                  placements=tuple(placements))
    return Placer().resolve(scene, Library([])).placements


def _wall(x, y, *, group=-1, collides=True):
    import dataclasses

    return dataclasses.replace(inline("wall", "wall", (x, y, 0.0), length=2.0, thickness=0.5, collides=collides), group=group)


def test_the_later_of_two_overlapping_objects_is_dropped():
    first, overlapping, apart, touching = _wall(0, 0), _wall(1.0, 0.1), _wall(10, 0), _wall(2.052, 0)  # copings 2.05 long
    assert _resolve([first, overlapping, apart, touching]) == (first, apart, touching)


def test_ground_does_not_collide_and_groups_go_together():
    ground = _wall(0, 0, collides=False)
    kept = _wall(0, 0)
    pair = [_wall(5, 0, group=1), _wall(5.5, 0, group=1)]  # members may overlap each other
    blocked = [_wall(10, 0, group=2), _wall(0.5, 0, group=2)]  # one member hits ``kept``: both go
    assert _resolve([ground, kept, *pair, *blocked]) == (ground, kept, *pair)


def test_no_two_objects_interpenetrate_in_sampled_streets():
    """On sampled scenes, no vertex of one kept object lies inside another's hull by more than 2 cm."""
    from veis_gen.assets.pack import load_packs
    from veis_gen.physics.placement import Placer
    from veis_gen.scene.common import foreground_weights
    from veis_gen.scene.library import Library
    from veis_gen.scene.street import sample_street

    library = Library(load_packs(["builtin"]))
    weights = foreground_weights(library, {})
    placer = Placer()
    dropped = 0
    for seed in range(3):
        scene = sample_street(np.random.default_rng(seed), library, 64, 32, seed=seed, weights=weights)
        placed = placer.resolve(scene, library)
        dropped += len(scene.placements) - len(placed.placements)
        solids = [p for p in placed.placements if p.collides]
        world = []
        for p in solids:
            points = np.concatenate([part.vertices for part in library.mesh(p).parts]).astype(float)
            world.append(points @ p.matrix[:3, :3].T + p.matrix[:3, 3])
        hulls = [ConvexHull(points) for points in world]
        for i in range(len(solids)):
            for j in range(len(solids)):
                if i == j or (solids[i].group >= 0 and solids[i].group == solids[j].group):
                    continue
                if (world[i].max(0) < world[j].min(0)).any() or (world[j].max(0) < world[i].min(0)).any():
                    continue
                inside = (world[i] @ hulls[j].equations[:, :3].T + hulls[j].equations[:, 3] < -0.02).all(axis=1)
                assert not inside.any(), (solids[i].asset or solids[i].recipe, solids[j].asset or solids[j].recipe)
    assert dropped > 0  # the sampler proposes overlaps; placement had work to do


def test_cyclists_ahead_are_kept_by_placement():
    """Drawn before the traffic, the cyclists just ahead of the camera win every overlap: all of them stay."""
    from veis_gen.assets.pack import load_packs
    from veis_gen.physics.placement import Placer
    from veis_gen.scene.common import foreground_weights
    from veis_gen.scene.library import Library
    from veis_gen.scene.street import sample_street
    from veis_gen.scene.styles import StreetStyle

    library = Library(load_packs(["builtin"]))
    weights, placer = foreground_weights(library, {}), Placer()
    for seed in range(4):
        scene = sample_street(np.random.default_rng(seed), library, 64, 32, seed=seed, weights=weights,
                              style=StreetStyle(cyclists_ahead=1.0))
        ahead = [p for p in scene.placements[:40] if p.class_name in ("bicycle", "rider")][:2 * scene.notes["riders_ahead"]]
        kept = set(placer.resolve(scene, library).placements)
        assert ahead and all(p in kept for p in ahead)


def test_walking_groups_are_kept_by_placement():
    """Abreast at 0.6 m or more, in file at 0.9 m or more, no nearer the kerb than people alone: placement keeps
    nearly all of a group's people, and the kerb's poles, signs and railings as often as without groups."""
    from veis_gen.assets.pack import load_packs
    from veis_gen.physics.placement import Placer
    from veis_gen.scene.common import foreground_weights
    from veis_gen.scene.library import Library
    from veis_gen.scene.street import sample_street
    from veis_gen.scene.styles import StreetStyle

    library = Library(load_packs(["builtin"]))
    weights, placer = foreground_weights(library, {}), Placer()

    def kept(share):
        counts = np.zeros((2, 2))  # (people, kerbside) x (proposed, kept)
        for seed in range(6):
            scene = sample_street(np.random.default_rng(seed), library, 64, 32, seed=seed, weights=weights,
                                  style=StreetStyle(walking_groups=share, furniture=True, streets="narrow"))
            resolved = set(placer.resolve(scene, library).placements)
            for row, classes in enumerate((("person",), ("pole", "traffic sign", "fence"))):
                proposed = [p for p in scene.placements if p.class_name in classes]
                counts[row] += len(proposed), sum(p in resolved for p in proposed)
        return counts[:, 1] / counts[:, 0]

    (people, kerbside), (_, kerbside_alone) = kept(1.0), kept(0.0)
    assert people >= 0.9 and kerbside >= kerbside_alone - 0.05
