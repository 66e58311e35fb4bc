"""Amodal masks drawn together, one bit per object and inside each object's box, equal a full-frame
segmentation pass of each object alone, pixel for pixel."""
import numpy as np
import pytest

from veis_gen.assets.materials import Material
from veis_gen.assets.mesh import AssetMesh, Part, box, cylinder
from veis_gen.render.compose import mesh_groups
from veis_gen.render.renderer import Renderer
from veis_gen.scene.camera import Camera, look_at

WIDTH, HEIGHT = 160, 96
CAMERA = Camera.from_fov(WIDTH, HEIGHT, 70, look_at((-8, 0, 2.5), (10, 0, 1.0)))


@pytest.fixture(scope="module")
def renderer():
    with Renderer(WIDTH, HEIGHT) as r:
        yield r


def _alone(renderer, group, camera) -> np.ndarray:
    return renderer.render([group], camera, [], rgb=False)["segment"] > 0


def _objects(count: int):
    """Boxes and poles in rows that overlap on screen, one crossing the image edge, one behind the camera."""
    rng = np.random.default_rng(3)
    grey = Material("paint", (128, 128, 128))
    groups = []
    for i in range(count):
        part = box("b", rng.uniform(0.3, 2.5, 3), (0, 0, 0.6)) if i % 3 else cylinder("c", 0.2, 3.0, (0, 0, 1.5))
        pose = np.eye(4)
        pose[:3, :3] = look_at((0, 0, 0), (np.cos(i), np.sin(i), 0.3))[:3, :3]
        pose[:3, 3] = (rng.uniform(-2, 30), rng.uniform(-9, 9), rng.uniform(-0.5, 1.5))
        groups += mesh_groups(AssetMesh([part]), pose, [grey], [i + 1])
    groups[0].vertices[:] = groups[0].vertices - groups[0].vertices.mean(0) + (-8.5, 0.0, 2.5)  # around the camera
    return groups


def _box(mask: np.ndarray):
    ys, xs = np.nonzero(mask)
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if len(xs) else (0, 0, WIDTH, HEIGHT)


def test_silhouettes_equal_a_pass_of_each_object_alone(renderer):
    groups = _objects(45)  # two passes: 32 bits, then 13
    alone = [_alone(renderer, g, CAMERA) for g in groups]
    boxes = [_box(mask) if i % 4 else (0, 0, WIDTH, HEIGHT) for i, mask in enumerate(alone)]
    masks = renderer.silhouettes(CAMERA, [(g.vertices, g.faces) for g in groups], boxes)
    assert sum(mask.any() for mask in alone) > 30
    for mask, (x0, y0, x1, y1), got in zip(alone, boxes, masks):
        assert got.shape == (y1 - y0, x1 - x0)
        np.testing.assert_array_equal(got, mask[y0:y1, x0:x1])
        assert not mask.sum() - mask[y0:y1, x0:x1].sum()


def test_silhouettes_leave_the_next_frame_unchanged(renderer):
    groups = _objects(6)
    before = renderer.render(groups, CAMERA, [], rgb=True)
    renderer.silhouettes(CAMERA, [(g.vertices, g.faces) for g in groups], [(0, 0, WIDTH, HEIGHT)] * len(groups))
    after = renderer.render(groups, CAMERA, [], rgb=True)
    for key in before:
        np.testing.assert_array_equal(before[key], after[key])


@pytest.mark.parametrize("index", [0, 3, 7])
def test_amodal_masks_of_street_scenes_equal_full_frame_passes(renderer, index):
    from veis_gen.assets.pack import load_packs
    from veis_gen.generate import GenerateConfig, sample_scene
    from veis_gen.physics.placement import Placer
    from veis_gen.render.scene_frame import render_scene, scene_groups
    from veis_gen.scene.common import foreground_weights
    from veis_gen.scene.library import Library

    config = GenerateConfig(out="unused", scenes="complex", size=f"{WIDTH}x{HEIGHT}", seed=11)
    library = Library(load_packs(config.pack))
    placer = Placer()
    try:
        scene = placer.resolve(sample_scene(config, library, foreground_weights(library, {}), index), library)
    finally:
        placer.close()
    frame = render_scene(renderer, scene, library)
    groups, table, objects = scene_groups(scene, library)
    drawn = 0
    for k in range(len(objects)):
        mine = [g for g in groups if table[g.segment, 1] == k]
        mask = table[renderer.render(mine, scene.camera, [], rgb=False)["segment"], 1] == k
        np.testing.assert_array_equal(frame["amodal"][k], mask)
        drawn += not np.array_equal(mask, frame["instances"] == k + 1)
    assert drawn > 0  # some objects are covered, so their masks came from the shared pass


def test_triangle_soup_at_full_size_gives_the_same_edge_pixels():
    # Edge pixels are where a pass differs from a segmentation pass (an OSMesa framebuffer object instead of
    # OSMesa's own buffer got 5 of these 1.1 million pixels wrong): many small triangles, at full size.
    width, height = 1024, 512
    camera = Camera.from_fov(width, height, 70, look_at((-8, 0, 2.5), (10, 0, 1.0)))
    rng = np.random.default_rng(1)
    groups = []
    for i in range(32):
        corners = rng.uniform((0, -8, -1), (25, 8, 4), (1000, 1, 3)) + rng.normal(0, 0.15, (1000, 3, 3))
        faces = np.arange(3000).reshape(1000, 3)
        part = Part("soup", corners.reshape(-1, 3).astype(np.float32), np.concatenate([faces, faces[:, ::-1]]).astype(np.int32))
        groups += mesh_groups(AssetMesh([part]), np.eye(4), [Material("paint", (1, 1, 1))], [i + 1])
    with Renderer(width, height) as renderer:
        masks = renderer.silhouettes(camera, [(g.vertices, g.faces) for g in groups], [(0, 0, width, height)] * len(groups))
        for group, got in zip(groups, masks):
            np.testing.assert_array_equal(got, _alone(renderer, group, camera))
