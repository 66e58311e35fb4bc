"""GenerateConfig's settings: which ones change the images, and the names the choice settings take."""
import dataclasses
import tomllib
import types
import typing

import pytest

from segkit.errors import UserError
from veis_gen.cli import main
from veis_gen.generate import CONTENT_SETTINGS, EXECUTORS, SCENES, GenerateConfig, SlurmSettings, recorded_settings
from veis_gen.render.choices import APPEARANCES, BACKENDS, EFFECTS, SHADINGS, SKIES
from veis_gen.scene.styles import SEASONS, STREETS, TRAFFIC, StreetStyle
from veis_gen.scene.types import SCENE_KINDS


def test_the_content_settings_are_the_fields_marked_so_in_their_order():
    assert CONTENT_SETTINGS == ("scenes", "size", "seed", "pack", "split", "class_weights", "simple_fraction",
                                "shading", "shadows", "min_instance_area", "png_level", "appearance", "traffic",
                                "streets", "season", "camera", "furniture", "cyclists_ahead", "walking_groups",
                                "shop_fronts", "kerb_lines", "car_detail", "sky", "effects")
    others = {f.name for f in dataclasses.fields(GenerateConfig)} - set(CONTENT_SETTINGS)
    assert others == {"out", "count", "workers", "shard", "backend", "progress", "slurm", "cluster"}


def test_every_content_setting_is_recorded_for_reruns_to_check(tmp_path):
    recorded = tomllib.loads(recorded_settings(GenerateConfig(out=tmp_path, class_weights={"car": 2.0})))
    assert set(CONTENT_SETTINGS) <= set(recorded) and recorded["random_streams"] == 2


def _choices(cls) -> dict[str, tuple]:
    """Field -> the names its Literal allows (in Annotated[str, ...] where segkit.config must read plain text)."""
    found = {}
    for name, hint in typing.get_type_hints(cls, include_extras=True).items():
        if typing.get_origin(hint) is typing.Annotated:
            hint = typing.get_args(hint)[1]
        for option in typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,):
            if typing.get_origin(option) is typing.Literal:
                found[name] = typing.get_args(option)
    return found


def test_the_allowed_names_come_from_the_settings_literals():
    assert _choices(GenerateConfig) == {"scenes": SCENES, "shading": SHADINGS, "backend": BACKENDS,
                                        "appearance": APPEARANCES, "traffic": TRAFFIC, "streets": STREETS,
                                        "season": SEASONS, "sky": SKIES, "effects": EFFECTS}
    assert _choices(SlurmSettings) == {"executor": EXECUTORS} and EXECUTORS == ("auto", "slurm", "local")
    assert _choices(StreetStyle) == {"traffic": ("right", "left"), "streets": ("wide", "narrow", "mixed"),
                                     "season": ("summer", "winter", "mixed")}
    assert SCENES == (*SCENE_KINDS, "mixed") == ("simple", "complex", "mixed")
    assert (SHADINGS, BACKENDS, APPEARANCES, EFFECTS, SKIES) == (
        ("fast", "pbr"), ("osmesa", "egl"), ("default", "shifted"), ("none", "camera", "metered"),
        ("flat", "graded"))


@pytest.mark.parametrize("setting, message", [
    ({"scenes": "urban"}, "--scenes: expected simple, complex or mixed, got 'urban'"),
    ({"shading": "ray"}, "--shading: expected fast or pbr, got 'ray'"),
    ({"appearance": "dark"}, "--appearance: expected default or shifted, got 'dark'"),
    ({"backend": "vulkan"}, "--backend: expected osmesa or egl, got 'vulkan'"),
    ({"season": "spring"}, "--season: expected one of summer, winter, mixed, got 'spring'"),
    ({"cyclists_ahead": 1.5}, "--cyclists-ahead: expected a chance in 0..1, got 1.5"),
    ({"walking_groups": -0.5}, "--walking-groups: expected a chance in 0..1, got -0.5"),
])
def test_a_name_outside_its_choices_is_refused_in_one_line(tmp_path, setting, message):
    with pytest.raises(UserError) as error:
        GenerateConfig(out=tmp_path, **setting)
    assert str(error.value) == message


@pytest.mark.parametrize("argv, names", [
    (["assets", "preview", "--out", "sheet.png", "--backend", "vulkan"], BACKENDS),
    (["preview", "somewhere", "--out", "sheet.png", "--scenes", "mixed"], SCENE_KINDS),
])
def test_the_clis_own_choices_are_the_settings_names(capsys, argv, names):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    listed = ", ".join(repr(name) for name in names)
    assert exit.value.code == 2 and f"invalid choice: {argv[-1]!r} (choose from {listed})" in capsys.readouterr().err


def test_generates_flags_list_their_names_and_refuse_others_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert all(f"--{name} {{{','.join(names)}}}" in shown for name, names in (
        ("scenes", SCENES), ("shading", SHADINGS), ("backend", BACKENDS), ("appearance", APPEARANCES),
        ("effects", EFFECTS), ("sky", SKIES)))
    settings = tmp_path / "run.toml"
    settings.write_text('shading = "ray"\n')
    assert main(["generate", "--out", str(tmp_path / "out"), "--config", str(settings)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run.toml: shading: expected fast or pbr, got 'ray'" in err, err
