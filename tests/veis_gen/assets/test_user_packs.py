"""A user's pack made in tmp from meshes of several formats, units and axes."""
import textwrap

import numpy as np
import pytest
import trimesh

from segkit.errors import UserError
from veis_gen.assets.loader import asset_mesh, axes_matrix
from veis_gen.assets.pack import load_pack, load_packs


def _box(extents, center=(0, 0, 0)):
    mesh = trimesh.creation.box(extents=extents)
    mesh.apply_translation(center)
    return mesh


def _write_obj_with_mtl(folder):
    """A Z-up person-like block in metres, facing +Y, with a 'nose' on its front; two materials."""
    (folder / "walker.mtl").write_text("newmtl cloth\nKd 0.2 0.3 0.8\nnewmtl skin\nKd 0.9 0.7 0.6\n")
    body, nose = _box((0.5, 0.3, 1.8), (0, 0, 0.9)), _box((0.1, 0.2, 0.1), (0, 0.25, 1.6))
    lines = ["mtllib walker.mtl"]
    offset = 1
    for name, material, mesh in (("body", "cloth", body), ("nose", "skin", nose)):
        lines += [f"o {name}", f"usemtl {material}"]
        lines += [f"v {x} {y} {z}" for x, y, z in mesh.vertices]
        lines += [f"f {a + offset} {b + offset} {c + offset}" for a, b, c in mesh.faces]
        offset += len(mesh.vertices)
    (folder / "walker.obj").write_text("\n".join(lines) + "\n")


@pytest.fixture
def user_pack(tmp_path):
    folder = tmp_path / "my_pack"
    (folder / "meshes").mkdir(parents=True)
    # A car as a Y-up glTF in centimetres, forward -Z, two parts: 450 long, 180 wide, 150 tall.
    scene = trimesh.Scene()
    scene.add_geometry(_box((180, 120, 450), (0, 60, 0)), node_name="shell", geom_name="shell")
    scene.add_geometry(_box((180, 30, 120), (0, 135, 50)), node_name="glass_roof", geom_name="glass_roof")
    scene.export(folder / "meshes" / "car.glb")
    _write_obj_with_mtl(folder / "meshes")
    # A bicycle-sized block as PLY in millimetres, Z up: 1800 x 600 x 1100.
    _box((1800, 600, 1100)).export(folder / "meshes" / "bike.ply")
    # A sign as STL in inches, modelled upside down (up is -Z), with its plate at the bottom of the file.
    sign = trimesh.util.concatenate([_box((4, 4, 100), (0, 0, -50)), _box((2, 24, 24), (0, 0, -100))])
    sign.export(folder / "meshes" / "sign.stl")
    (folder / "pack.toml").write_text(textwrap.dedent("""
        [pack]
        name = "mine"
        license = "CC-BY-4.0"

        [[assets]]
        id = "hatch"
        class = "car"
        mesh = "meshes/car.glb"
        units = "centimeters"
        up = "+y"
        forward = "-z"
        parts = { "glass*" = "glass" }

        [[assets]]
        id = "walker"
        class = "person"
        mesh = "meshes/walker.obj"
        up = "+z"
        forward = "+y"
        size = { height = [1.6, 1.8] }

        [[assets]]
        id = "bike"
        class = "bicycle"
        mesh = "meshes/bike.ply"
        units = "mm"
        size = { length = [1.6, 2.0] }

        [[assets]]
        id = "sign"
        class = "traffic sign"
        mesh = "meshes/sign.stl"
        units = "inches"
        up = "-z"
        forward = "+x"
        parts = { "*" = { kind = "sign_red" } }
        source = "made in a test"
    """))
    return folder


def test_each_format_loads_at_its_real_size_and_upright(user_pack):
    pack = load_pack(user_pack)
    assert pack.name == "mine" and [a.id for a in pack.assets] == ["hatch", "walker", "bike", "sign"]
    meshes = {a.id: asset_mesh(a) for a in pack.assets}
    np.testing.assert_allclose(meshes["hatch"].extents, (4.5, 1.8, 1.5), atol=1e-4)
    np.testing.assert_allclose(meshes["walker"].extents, np.array((0.5, 0.5, 1.8)) * 1.7 / 1.8, atol=1e-4)
    np.testing.assert_allclose(meshes["bike"].extents, np.array((1.8, 0.6, 1.1)) * 1.8 / 1.8, atol=1e-4)
    np.testing.assert_allclose(meshes["sign"].extents, np.array((4, 24, 112)) * 0.0254, atol=1e-4)
    for mesh in meshes.values():
        low, high = mesh.bounds
        assert abs(low[2]) < 1e-5  # standing on the ground
        np.testing.assert_allclose((low[:2] + high[:2]) / 2, 0, atol=1e-5)


def test_axes_put_front_forward_and_top_up(user_pack):
    meshes = {a.id: asset_mesh(a) for a in load_pack(user_pack).assets}
    walker = {p.name: p for p in meshes["walker"].parts}  # OBJ parts are named after their materials
    assert walker["skin"].vertices[:, 0].min() > walker["cloth"].vertices[:, 0].max() - 1e-5  # the nose faces +X
    car = {p.name: p for p in meshes["hatch"].parts}
    assert car["glass_roof"].vertices[:, 2].min() > car["shell"].vertices[:, 2].max() - 1e-5  # the roof is on top
    assert car["glass_roof"].vertices[:, 0].mean() < 0  # it sat at +Z in the file: the back, as forward is -Z
    sign = meshes["sign"].parts[0].vertices
    plate = np.abs(sign[:, 1]) > 3 * 0.0254  # only the plate is wider than the pole
    assert sign[plate, 2].min() == pytest.approx(88 * 0.0254, abs=1e-4)  # turned over: the plate is on top


def test_parts_colours_and_rules(user_pack):
    meshes = {a.id: asset_mesh(a) for a in load_pack(user_pack).assets}
    walker = {p.name: p for p in meshes["walker"].parts}
    assert walker["cloth"].color == (51, 76, 204) and walker["skin"].color == (230, 178, 153)
    assert {p.name: p.kind for p in meshes["hatch"].parts} == {"shell": "paint", "glass_roof": "glass"}
    assert {p.kind for p in meshes["sign"].parts} == {"sign_red"}


def test_axes_matrix_is_a_rotation():
    for up, forward in (("+y", "-z"), ("-z", "+x"), ("+x", "+y")):
        matrix = axes_matrix(up, forward)[:3, :3]
        np.testing.assert_allclose(matrix @ matrix.T, np.eye(3))
        assert np.linalg.det(matrix) == pytest.approx(1.0)


def test_packs_combine_and_names_must_differ(user_pack, tmp_path):
    records = load_packs(["builtin", user_pack])
    assert {"builtin/car_sedan", "mine/hatch"} <= {r.key for r in records}
    with pytest.raises(UserError, match="pack name 'mine' is also used"):
        load_packs([user_pack, user_pack / "pack.toml"])


def test_preview_sheet_of_a_user_pack(user_pack, tmp_path):
    from segkit.formats.png import read_png
    from veis_gen.cli import main

    out = tmp_path / "sheet.png"
    assert main(["assets", "preview", str(user_pack), "--out", str(out), "--tile", "64", "--views", "2", "--columns", "2"]) == 0
    sheet = read_png(out)
    assert sheet.shape == (2 * 66, 2 * 130, 3)  # 4 assets in 2 columns, 2 views of 64 px each, 1 px borders
    background = np.array((228, 232, 236))
    first_tile = sheet[1:65, 1:65].reshape(-1, 3)
    assert (np.abs(first_tile.astype(int) - background).sum(1) > 30).mean() > 0.05  # the car was drawn
