import numpy as np
import pytest

from veis_gen.assets.materials import Material
from veis_gen.assets.mesh import AssetMesh, box, cylinder
from veis_gen.render.renderer import RenderItem, Renderer, decode_segments, encode_segment
from veis_gen.scene.camera import Camera, Light, look_at, project


@pytest.fixture(scope="module")
def renderer():
    with Renderer(128, 64) as r:
        yield r


def _scene():
    car = AssetMesh([box("body", (4.0, 1.8, 1.2), (0, 0, 0.6)), cylinder("wheel", 0.35, 0.25, (1.2, 1.0, 0.35), axis="y")])
    post = AssetMesh([box("post", (0.3, 0.3, 3.0), (0, 0, 1.5))])
    grey, red = Material("paint", (128, 128, 128)), Material("paint", (200, 30, 30), "noise", 3, 1.0)
    pose = np.eye(4)
    pose[:3, 3] = (4.0, 2.0, 0.0)
    return [RenderItem(car, np.eye(4), [grey, red]), RenderItem(post, pose, [grey])]


def test_segment_codes_round_trip():
    codes = np.array([[encode_segment(i, p) for i, p in ((0, 0), (3, 7), (65534, 254))]], dtype=np.uint8)
    item, part = decode_segments(codes)
    assert item.tolist() == [[0, 3, 65534]] and part.tolist() == [[0, 7, 254]]
    item, part = decode_segments(np.zeros((1, 1, 3), np.uint8))
    assert item[0, 0] == -1 and part[0, 0] == -1


def test_frame_shapes_and_exact_segments(renderer):
    camera = Camera.from_fov(128, 64, 60, look_at((-6, 7, 3), (1, 0, 0.8)))
    frame = renderer.render(_scene(), camera, [Light((-1, 0.5, -1))])
    assert frame["rgb"].shape == (64, 128, 3) and frame["rgb"].dtype == np.uint8
    assert frame["depth"].dtype == np.float32 and frame["item"].dtype == np.int32 and frame["part"].dtype == np.int16
    assert set(np.unique(frame["item"])) == {-1, 0, 1} and set(np.unique(frame["part"])) == {-1, 0, 1}
    assert ((frame["item"] == -1) == (frame["depth"] == 0)).all()  # every drawn pixel has one owner
    assert ((frame["part"] == 1) <= (frame["item"] == 0)).all()  # the wheel belongs to the car
    # The projected centre of the post lands on the post's pixels, at about its distance.
    (u, v), depth = (x[0] for x in project(camera, np.array([[4.0, 2.0, 1.5]])))
    assert frame["item"][int(v), int(u)] == 1
    assert frame["depth"][int(v), int(u)] == pytest.approx(depth, abs=0.3)
    sky = frame["rgb"][frame["item"] == -1]
    np.testing.assert_array_equal(sky, np.broadcast_to((135, 170, 210), sky.shape))


def test_same_scene_same_pixels(renderer):
    camera = Camera.from_fov(128, 64, 60, look_at((-6, 7, 3), (1, 0, 0.8)))
    a = renderer.render(_scene(), camera, [Light((-1, 0.5, -1))])
    b = renderer.render(_scene(), camera, [Light((-1, 0.5, -1))])
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


def test_many_frames_reuse_shaders_and_keep_memory_flat(renderer):
    camera = Camera.from_fov(128, 64, 60, look_at((-6, 7, 3), (1, 0, 0.8)))
    for _ in range(10):
        renderer.render(_scene(), camera, [Light((-1, 0.5, -1))])
    cache = renderer._renderer._renderer._program_cache._program_cache
    programs, before = len(cache), _rss_mb()
    for _ in range(60):
        renderer.render(_scene(), camera, [Light((-1, 0.5, -1))])
    # Without the context fix every frame adds its shader programs to this cache and never frees them.
    assert len(cache) == programs
    assert _rss_mb() - before < 40
