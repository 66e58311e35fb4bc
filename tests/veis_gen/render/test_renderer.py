import numpy as np
import pytest

from veis_gen.assets.materials import Material
from veis_gen.assets.mesh import AssetMesh, box, cylinder
from veis_gen.render.compose import merge, mesh_groups
from veis_gen.render.renderer import Renderer, decode_segments, encode_segment
from veis_gen.scene.camera import Camera, Light, look_at, project

CAMERA = Camera.from_fov(128, 64, 60, look_at((-6, 7, 3), (1, 0, 0.8)))


@pytest.fixture(scope="module")
def renderer():
    with Renderer(128, 64) as r:
        yield r


def _groups():
    car = AssetMesh([box("body", (4.0, 1.8, 1.2), (0, 0, 0.6)), cylinder("wheel", 0.35, 0.25, (1.2, 1.0, 0.35), axis="y")])
    post = AssetMesh([box("post", (0.3, 0.3, 3.0), (0, 0, 1.5))])
    grey, red = Material("paint", (128, 128, 128)), Material("paint", (200, 30, 30), "noise", 3, 1.0)
    pose = np.eye(4)
    pose[:3, 3] = (4.0, 2.0, 0.0)
    return merge(mesh_groups(car, np.eye(4), [grey, red], [1, 2]) + mesh_groups(post, pose, [grey], [7]))


def test_segment_codes_round_trip():
    codes = np.array([[encode_segment(s) for s in (1, 300, 2**24 - 1)]], dtype=np.uint8)
    assert decode_segments(codes).tolist() == [[1, 300, 2**24 - 1]]


def test_merge_joins_groups_of_one_segment_and_material():
    grey = Material("paint", (128, 128, 128))
    parts = AssetMesh([box("a", (1, 1, 1)), box("b", (1, 1, 1), (3, 0, 0)), box("c", (1, 1, 1), (6, 0, 0))])
    merged = merge(mesh_groups(parts, np.eye(4), [grey, grey, grey], [1, 1, 2]))
    assert [(g.segment, len(g.vertices), len(g.faces)) for g in merged] == [(1, 16, 24), (2, 8, 12)]
    assert merged[0].faces.max() == 15


def test_frame_shapes_and_exact_segments(renderer):
    frame = renderer.render(_groups(), CAMERA, [Light((-1, 0.5, -1))])
    assert frame["rgb"].shape == (64, 128, 3) and frame["rgb"].dtype == np.uint8
    assert frame["depth"].dtype == np.float32 and frame["segment"].dtype == np.int32
    assert set(np.unique(frame["segment"])) == {0, 1, 2, 7}
    assert ((frame["segment"] == 0) == (frame["depth"] == 0)).all()  # every drawn pixel has one owner
    (u, v), depth = (x[0] for x in project(CAMERA, np.array([[4.0, 2.0, 1.5]])))
    assert frame["segment"][int(v), int(u)] == 7
    assert frame["depth"][int(v), int(u)] == pytest.approx(depth, abs=0.3)
    sky = frame["rgb"][frame["segment"] == 0]
    np.testing.assert_array_equal(sky, np.broadcast_to((135, 170, 210), sky.shape))


def test_same_scene_same_pixels(renderer):
    a = renderer.render(_groups(), CAMERA, [Light((-1, 0.5, -1))])
    b = renderer.render(_groups(), CAMERA, [Light((-1, 0.5, -1))])
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


def test_many_frames_reuse_shaders_and_keep_memory_flat(renderer):
    for _ in range(10):
        renderer.render(_groups(), CAMERA, [Light((-1, 0.5, -1))])
    cache = renderer._renderer._renderer._program_cache._program_cache
    programs, before = len(cache), _rss_mb()
    for _ in range(60):
        renderer.render(_groups(), CAMERA, [Light((-1, 0.5, -1))])
    # Without the context fix every frame adds its shader programs to this cache and never frees them.
    assert len(cache) == programs
    assert _rss_mb() - before < 40


def test_a_part_not_drawn_is_in_the_labels_only(renderer):
    """A leafless crown's outline: its pixels are labelled and have depth, but the colour image shows what is
    behind it (here the sky), and merging never mixes drawn and label-only geometry."""
    grey = Material("paint", (128, 128, 128))
    pose = np.eye(4)
    pose[:3, 3] = (4.0, 2.0, 0.0)
    outline = AssetMesh([box("outline", (0.3, 0.3, 3.0), (0, 0, 1.5))])
    outline.parts[0].drawn = False
    groups = merge(mesh_groups(outline, pose, [grey], [7]) + mesh_groups(AssetMesh([box("other", (1, 1, 1), (-3, 0, 0.5))]), np.eye(4), [grey], [7]))
    assert sorted(g.drawn for g in groups) == [False, True]
    frame = renderer.render(groups, CAMERA, [Light((-1, 0.5, -1))])
    (u, v), _ = (x[0] for x in project(CAMERA, np.array([[4.0, 2.0, 1.5]])))
    assert frame["segment"][int(v), int(u)] == 7 and frame["depth"][int(v), int(u)] > 0
    hidden = (frame["segment"] == 7) & (frame["depth"] > 0) & (np.arange(128)[None, :] > u - 3) & (np.arange(128)[None, :] < u + 3)
    np.testing.assert_array_equal(frame["rgb"][hidden], np.broadcast_to((135, 170, 210), frame["rgb"][hidden].shape))


def test_leafless_trees_have_a_label_only_crown_outline():
    from veis_gen.assets.recipes import RECIPES

    tree = RECIPES["tree"]({"style": "bare", "seed": 3, "height": 10.0}, "default")
    branches, outline = tree.parts
    assert branches.drawn and not outline.drawn and branches.kind == outline.kind == "bark"
    low, high = outline.vertices.min(0), outline.vertices.max(0)
    assert low[2] > 2.5 and high[2] < branches.vertices[:, 2].max()  # above the trunk, inside the twig tips
    bare = RECIPES["tree"]({"style": "bare", "seed": 3, "height": 10.0, "outline": False}, "default")
    assert [p.name for p in bare.parts] == ["branches"]
