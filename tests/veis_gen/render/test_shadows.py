"""Cast shadows for the fast shading: a post on a slab darkens the ground where the sun cannot reach it,
by the direct term the fast shading gave it, and nothing else changes."""
import numpy as np
import pytest

from veis_gen.assets.materials import Material
from veis_gen.assets.mesh import AssetMesh, box
from veis_gen.render.compose import merge, mesh_groups
from veis_gen.render.renderer import Renderer
from veis_gen.render.shadows import cast_shadows, normals_from_points, world_points
from veis_gen.scene.camera import Camera, Light, look_at, project

CAMERA = Camera.from_fov(160, 120, 60, look_at((-12.0, 0.0, 6.0), (2.0, 0.0, 0.0)))
SUN = Light((0.0, 1.0, -1.0), intensity=3.0)  # from -y, 45 degrees up: the post's shadow falls towards +y
AMBIENT = 0.45


def _groups():
    ground = AssetMesh([box("ground", (40.0, 40.0, 0.1), (0, 0, -0.05))])
    post = AssetMesh([box("post", (1.0, 1.0, 4.0), (0, 0, 2.0))])
    grey = Material("paint", (150, 150, 150))
    return merge(mesh_groups(ground, np.eye(4), [grey], [1]) + mesh_groups(post, np.eye(4), [grey], [2]))


@pytest.fixture(scope="module")
def frames():
    with Renderer(160, 120) as renderer:
        frame = renderer.render(_groups(), CAMERA, [SUN], ambient=AMBIENT)
        shaded = cast_shadows(renderer, _groups(), CAMERA, SUN, AMBIENT, frame)
        again = renderer.render(_groups(), CAMERA, [SUN], ambient=AMBIENT)
    return frame, shaded, again


def _pixel(point):
    (u, v), _ = (x[0] for x in project(CAMERA, np.array([point], float)))
    return int(v), int(u)


def test_the_ground_behind_the_post_loses_the_direct_sun(frames):
    frame, shaded, _ = frames
    lit = ((150 / 255) ** 2.2 * (AMBIENT + 3.0 / np.pi * np.sqrt(0.5))) ** (1 / 2.2) * 255
    dark = ((150 / 255) ** 2.2 * AMBIENT) ** (1 / 2.2) * 255
    for point in ((0.0, 2.5, 0.0), (0.0, 3.5, 0.0)):  # in the shadow: 0.5 m past the post's far side and beyond
        assert frame["rgb"][_pixel(point)][0] == pytest.approx(lit, abs=1.5)
        assert shaded[_pixel(point)][0] == pytest.approx(dark, abs=1.5)
    for point in ((0.0, -3.0, 0.0), (5.0, 2.5, 0.0), (0.0, 6.0, 0.0)):  # in the sun, beside and past the shadow
        assert shaded[_pixel(point)].tolist() == frame["rgb"][_pixel(point)].tolist()


def test_only_the_shadow_changes_and_the_rest_is_exact(frames):
    frame, shaded, again = frames
    changed = (shaded != frame["rgb"]).any(axis=2)
    assert 0.01 < changed.mean() < 0.2
    assert not changed[frame["segment"] == 0].any()  # the sky
    top = _pixel((0.0, 0.0, 4.0 - 1e-3))
    assert shaded[top].tolist() == frame["rgb"][top].tolist()  # the post's sunlit top does not shadow itself
    for key in ("depth", "segment"):
        assert np.array_equal(frame[key], again[key])


def test_world_points_and_normals_of_the_ground(frames):
    frame, _, _ = frames
    points = world_points(CAMERA, frame["depth"])
    ground = frame["segment"] == 1
    assert np.abs(points[ground][:, 2]).max() < 0.02
    normals = normals_from_points(points, CAMERA.matrix[:3, 3])
    inner = ground & np.roll(ground, 1, 0) & np.roll(ground, -1, 0) & np.roll(ground, 1, 1) & np.roll(ground, -1, 1)
    assert np.median(normals[inner][:, 2]) > 0.999


def test_a_second_light_still_lights_what_the_sun_leaves_in_shadow():
    from veis_gen.render.shadows import darken

    rgb, up = np.full((1, 2, 3), 200, np.uint8), np.zeros((1, 2, 3))
    up[..., 2] = 1.0
    sun, lamp = Light((0.0, 0.0, -1.0), intensity=np.pi), Light((0.0, 0.0, -1.0), intensity=np.pi / 2)
    shaded = darken(rgb, np.array([[1.0, 0.0]]), up, sun, 0.5, others=(lamp,))
    assert shaded[0, 0, 0] == round(((200 / 255) ** 2.2 * (0.5 + 0.5) / (0.5 + 1.0 + 0.5)) ** (1 / 2.2) * 255)
    assert shaded[0, 1].tolist() == [200, 200, 200]  # no shadow there
