"""Each malformed manifest gives one line naming the file, the asset and the field; validation finds bad meshes."""
import textwrap

import pytest
import trimesh

from segkit.errors import UserError
from veis_gen.assets.pack import load_pack
from veis_gen.assets.validate import validate_pack
from veis_gen.cli import main

GOOD = 'id = "a"\nclass = "car"\nmesh = "car.ply"\n'


@pytest.fixture
def pack_dir(tmp_path):
    trimesh.creation.box(extents=(4.5, 1.8, 1.5)).export(tmp_path / "car.ply")
    return tmp_path


def _manifest(folder, body: str, header: str = '[pack]\nname = "p"\n'):
    (folder / "pack.toml").write_text(header + body)
    return folder


@pytest.mark.parametrize("body, field, message", [
    ('[[assets]]\nclass = "car"\nmesh = "car.ply"\n', "id", "expected a non-empty name"),
    ('[[assets]]\nid = "a"\nclass = "cars"\nmesh = "car.ply"\n', "class", "unknown class 'cars'"),
    ('[[assets]]\nid = "a"\nclass = "car"\n', "mesh", "give exactly one of 'mesh'"),
    ('[[assets]]\nid = "a"\nclass = "car"\nmesh = "car.ply"\nrecipe = "car"\n', "mesh", "give exactly one"),
    ('[[assets]]\nid = "a"\nclass = "car"\nmesh = "missing.obj"\n', "mesh", "file not found"),
    ('[[assets]]\nid = "a"\nclass = "car"\nmesh = "/abs/car.ply"\n', "mesh", "must be relative to the pack"),
    ('[[assets]]\nid = "a"\nclass = "car"\nrecipe = "spaceship"\n', "recipe", "unknown recipe 'spaceship'"),
    (f"[[assets]]\n{GOOD}units = \"furlongs\"\n", "units", "unknown unit 'furlongs'"),
    (f"[[assets]]\n{GOOD}units = -2\n", "units", "positive number"),
    (f"[[assets]]\n{GOOD}up = \"up\"\n", "up", "expected one of +x"),
    (f"[[assets]]\n{GOOD}up = \"+y\"\nforward = \"-y\"\n", "forward", "must be another axis than up"),
    (f"[[assets]]\n{GOOD}size = {{ height = [2.0, 1.0] }}\n", "size", "[min, max]"),
    (f"[[assets]]\n{GOOD}size = {{ depth = 2.0 }}\n", "size", "expected one of"),
    (f"[[assets]]\n{GOOD}colour = \"red\"\n", "colour", "unknown field"),
    (f"[[assets]]\n{GOOD}parts = {{ \"w*\" = {{ kind = \"rubber\", class = \"tyre\" }} }}\n", "parts", "unknown class 'tyre'"),
    (f"[[assets]]\n{GOOD}poses = [\"walk\"]\n", "poses", "names its poses with their files"),
    (f"[[assets]]\n{GOOD}anchors = {{ seat = [1, 2] }}\n", "anchors", "expected [x, y, z]"),
    (f"[[assets]]\n{GOOD}\n[[assets]]\n{GOOD}", "id", "duplicate id"),
])
def test_malformed_asset_fields(pack_dir, body, field, message):
    folder = _manifest(pack_dir, body)
    with pytest.raises(UserError) as info:
        load_pack(folder)
    text = str(info.value)
    assert "\n" not in text and text.startswith(str(folder / "pack.toml"))
    assert f"field '{field}'" in text and message in text


@pytest.mark.parametrize("content, message", [
    ("[pack\nname = 1", "not valid TOML"),
    ('[pack]\nname = "p"\n', "no [[assets]] entries"),
    ('pack = 3\n[[assets]]\nid = "a"', "[pack] must be a table"),
    ('assets = [1]\n', "asset 1: expected a table"),
])
def test_malformed_manifests(pack_dir, content, message):
    (pack_dir / "pack.toml").write_text(content)
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_pack(pack_dir)


def test_missing_pack_and_json_manifest(tmp_path, pack_dir):
    empty = tmp_path / "empty_folder"
    empty.mkdir()
    with pytest.raises(UserError, match="empty_folder: no pack.toml or pack.json"):
        load_pack(empty)
    with pytest.raises(UserError, match="no such asset pack"):
        load_pack("no-such-pack-name")
    (pack_dir / "pack.json").write_text('{"pack": {"name": "j"}, "assets": [{"id": "a", "class": "car", "mesh": "car.ply"}]}')
    assert load_pack(pack_dir / "pack.json").assets[0].class_name == "car"


def test_validate_finds_wrong_axis_and_units(pack_dir, capsys):
    trimesh.creation.box(extents=(1.8, 1.5, 4.5)).export(pack_dir / "yup.ply")  # Y-up file declared Z-up
    trimesh.creation.box(extents=(4500, 1800, 1500)).export(pack_dir / "mm.ply")  # millimetres declared metres
    _manifest(pack_dir, textwrap.dedent("""
        [[assets]]
        id = "ok"
        class = "car"
        mesh = "car.ply"
        [[assets]]
        id = "lying"
        class = "car"
        mesh = "yup.ply"
        [[assets]]
        id = "huge"
        class = "car"
        mesh = "mm.ply"
    """))
    problems = validate_pack(load_pack(pack_dir))
    assert len(problems) == 2
    assert "asset 'lying': field 'up': the car comes out 1.80 m long, 1.50 m wide, 4.50 m tall" in problems[0]
    assert "asset 'huge': field 'units': length 4500.00 m is outside 2.4-6.5 m for a car" in problems[1]
    assert main(["assets", "validate", str(pack_dir)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == problems


def test_validate_cli_passes_and_bad_pack_is_exit_2(pack_dir, capsys):
    _manifest(pack_dir, f"[[assets]]\n{GOOD}")
    assert main(["assets", "validate", str(pack_dir)]) == 0
    assert "1 assets, all valid" in capsys.readouterr().out
    assert main(["assets", "validate", str(pack_dir / "absent")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("veis-gen: error: ")
