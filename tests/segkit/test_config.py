"""Configs: dataset roots come from the catalog's table as flags and TOML keys, Literal fields take their values only,
and everything round-trips through TOML."""
import argparse
import re
import subprocess
import sys
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from segkit.config import add_arguments, check_choices, choices_of, resolve, to_toml
from segkit.data.catalog import ROOTED
from segkit.errors import UserError
from segkit.predict import PredictConfig

REPO = Path(__file__).resolve().parents[2]


def _parse(argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser, PredictConfig, positional=("task",))
    return resolve(PredictConfig, parser.parse_args(argv))


def test_every_rooted_dataset_is_a_flag_and_the_flag_beats_the_file(tmp_path):
    assert set(ROOTED) == {"cityscapes", "gta5", "synthia", "camvid"}
    toml = tmp_path / "c.toml"
    toml.write_text('checkpoint = "m.pt"\ndata = "camvid:val"\nout = "o"\ncamvid = "/from/file"\ngta5 = "/g"\n')
    config = _parse(["seg", "--config", str(toml), "--camvid", "/from/flag"])
    assert config.roots == {"camvid": "/from/flag", "gta5": "/g"}
    saved = tmp_path / "saved.toml"
    saved.write_text(to_toml(config))
    assert 'camvid = "/from/flag"' in saved.read_text() and "roots" not in saved.read_text()
    assert _parse(["seg", "--config", str(saved)]) == config


def test_a_root_in_toml_must_be_text(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('checkpoint = "m.pt"\ndata = "x"\nout = "o"\ncamvid = 3\n')
    with pytest.raises(UserError, match="camvid: expected str"):
        _parse(["seg", "--config", str(toml)])


def test_relative_roots_follow_the_file_or_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "configs").mkdir()
    toml = tmp_path / "configs" / "c.toml"
    toml.write_text('checkpoint = "m.pt"\ndata = "x"\nout = "o"\ncityscapes = "../data/cityscapes"\n')
    monkeypatch.chdir(tmp_path / "configs")
    assert _parse(["seg", "--config", "c.toml"]).roots == {"cityscapes": str(tmp_path / "data" / "cityscapes")}
    monkeypatch.chdir(tmp_path)
    config = _parse(["seg", "--config", str(toml), "--camvid", "camvid"])
    assert config.roots == {"cityscapes": str(tmp_path / "data" / "cityscapes"), "camvid": str(tmp_path / "camvid")}


def test_values_from_a_file_name_the_file(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('checkpoint = "m.pt"\ndata = "x"\nout = "o"\nscale = "big"\n')
    with pytest.raises(UserError, match=r"c\.toml: scale: expected float, got 'big'"):
        _parse(["seg", "--config", str(toml)])


def test_a_suites_training_recipe_is_flat_flags_and_keys_over_its_default(tmp_path):
    from dataclasses import replace

    from segkit.bench.sim2real import CPU_DEEPLAB, CPU_MASK_RCNN, Sim2RealConfig

    parser = argparse.ArgumentParser()
    add_arguments(parser, Sim2RealConfig)
    toml = tmp_path / "suite.toml"
    toml.write_text('seg_lr = 0.02\ndet_iterations = 7\n')
    config = resolve(Sim2RealConfig, parser.parse_args(["--config", str(toml), "--seg-crop", "48", "--seg-crop", "64"]))
    assert config.seg == replace(CPU_DEEPLAB, lr=0.02, crop=(48, 64))
    assert config.det == replace(CPU_MASK_RCNN, iterations=7)
    saved = tmp_path / "saved.toml"
    saved.write_text(to_toml(config))
    assert "seg_crop = [48, 64]" in saved.read_text() and "seg_min_size" not in saved.read_text()
    assert resolve(Sim2RealConfig, parser.parse_args(["--config", str(saved)])) == config
    toml.write_text('seg = 1\n')
    with pytest.raises(UserError, match="unknown setting 'seg' .*seg_lr"):
        resolve(Sim2RealConfig, parser.parse_args(["--config", str(toml)]))
    with pytest.raises(UserError, match="--det-iterations: expected int"):
        resolve(Sim2RealConfig, parser.parse_args(["--det-iterations", "many"]))


def test_a_bad_recipe_value_is_refused_when_the_suite_is_configured():
    from segkit.bench.sim2real import Sim2RealConfig

    parser = argparse.ArgumentParser()
    add_arguments(parser, Sim2RealConfig)
    with pytest.raises(UserError, match="--seg-schedule: expected poly, step, cosine or onecycle, got 'bogus'"):
        resolve(Sim2RealConfig, parser.parse_args(["--seg-schedule", "bogus"]))
    with pytest.raises(UserError, match="--det-iterations: expected at least 1, got 0"):
        resolve(Sim2RealConfig, parser.parse_args(["--det-iterations", "0"]))
    with pytest.raises(SystemExit):  # Mask R-CNN's resize is no setting of the segmenter
        parser.parse_args(["--seg-min-size", "300"])


@dataclass(frozen=True)
class Choices:
    mode: Literal["fast", "slow"] = "fast"
    modes: tuple[Literal["x", "y"], ...] = ()
    level: Literal["low", "high"] | None = None

    def __post_init__(self):
        check_choices(self)


def _choose(argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser, Choices)
    return resolve(Choices, parser.parse_args(argv))


def test_a_literal_field_shows_its_values_and_takes_only_them(tmp_path):
    parser = argparse.ArgumentParser()
    add_arguments(parser, Choices)
    assert all(shown in parser.format_help() for shown in ("--mode {fast,slow}", "--modes {x,y}", "--level {low,high}"))
    chosen = _choose(["--mode", "slow", "--modes", "y", "--modes", "x", "--level", "high"])
    assert chosen == Choices("slow", ("y", "x"), "high")
    for argv, message in ((["--mode", "medium"], "--mode: expected fast or slow, got 'medium'"),
                          (["--modes", "x", "--modes", "z"], "--modes: expected x or y, got 'z'"),
                          (["--level", "mid"], "--level: expected low or high, got 'mid'")):
        with pytest.raises(UserError, match=f"^{re.escape(message)}$"):  # one line, not argparse's usage and exit
            _choose(argv)
    toml = tmp_path / "c.toml"
    for text, message in (('mode = "medium"\n', "c.toml: mode: expected fast or slow, got 'medium'"),
                          ('modes = ["x", 3]\n', "c.toml: modes: expected x or y, got 3"),
                          ('level = true\n', "c.toml: level: expected low or high, got True")):
        toml.write_text(text)
        with pytest.raises(UserError, match=f"{re.escape(message)}$"):
            _choose(["--config", str(toml)])
    with pytest.raises(UserError, match=r"^--modes: expected x or y, got 'w'$"):  # a Python caller
        Choices(modes=("x", "w"))


def test_a_positional_choice_is_named_as_written(tmp_path):
    with pytest.raises(UserError, match=r"^task: expected seg or det, got 'segment'$"):
        _parse(["segment", "--checkpoint", "m.pt", "--data", "x", "--out", "o"])
    toml = tmp_path / "c.toml"
    toml.write_text('task = "both"\ncheckpoint = "m.pt"\ndata = "x"\nout = "o"\n')
    with pytest.raises(UserError, match=r"c\.toml: task: expected seg or det, got 'both'$"):
        _parse(["--config", str(toml)])
    assert _parse(["det", "--checkpoint", "m.pt", "--data", "x", "--out", "o", "--device", "cpu"]).task == "det"


@pytest.mark.parametrize("argv, message", [
    (["predict", "segment", "--checkpoint", "m.pt", "--data", "x", "--out", "o"],
     "task: expected seg or det, got 'segment'"),
    (["predict", "--checkpoint", "m.pt", "--data", "x", "--out", "o", "--device", "tpu"],
     "--device: expected auto, cpu or cuda, got 'tpu'"),
    (["pseudo-label", "--seg", "s.pt", "--data", "x", "--out", "o", "--mode", "both"],
     "--mode: expected background or fused, got 'both'"),
    (["bench", "sim2real", "--pseudo-mode", "all"], "--pseudo-mode: expected background or fused, got 'all'"),
    (["bench", "table2", "--seg-optimizer", "adam"], "--seg-optimizer: expected sgd or adamw, got 'adam'"),
    (["study", "shape-texture", "--synthetic", "s", "--real", "r", "--out", "o", "--model", "resnet"],
     "--model: expected small or vgg16, got 'resnet'"),
])
def test_a_bad_choice_on_the_command_line_is_one_line(tmp_path, monkeypatch, capsys, argv, message):
    from segkit.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert capsys.readouterr().err == f"segkit: error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_the_allowed_values_live_in_the_literals():
    from segkit.data.augment import AUGMENTS
    from segkit.device import DEVICES
    from segkit.pseudo_label import PseudoMode
    from segkit.train_config import FeatureStyle, Optimizer, Schedule, SegRecipe, TrainConfig

    assert typing.get_args(Schedule) == ("poly", "step", "cosine", "onecycle")
    assert typing.get_args(Optimizer) == ("sgd", "adamw") and DEVICES == ("auto", "cpu", "cuda")
    assert typing.get_args(FeatureStyle) == ("none", "mixstyle")
    assert typing.get_args(PseudoMode) == ("background", "fused")
    hints = typing.get_type_hints(TrainConfig)
    assert choices_of(hints["augment"]) == AUGMENTS and choices_of(hints["device"]) == DEVICES
    assert choices_of(typing.get_type_hints(SegRecipe)["optimizer"]) == ("sgd", "adamw")  # Optional in a recipe
    assert choices_of(hints["lr"]) == choices_of(hints["train"]) == ()


def test_checking_a_training_config_imports_no_torch():
    code = ("import sys\nfrom segkit.train_config import TrainConfig\n"
            "TrainConfig(out='o', train=('x',), optimizer='adamw', schedule='cosine', feature_style='mixstyle', "
            "augment=('fourier',))\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision')]\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]


ODD = ['say "hi"', "back\\slash\\", "two\nlines\r\n", "tab\there", "\x00\x01\x1f\x7f\b\f", "ünïcödé ✓ 日本 🚗", "",
       "'single'", '"""', "\\u0041 \\n"]
ODD_KEYS = ["plain_key-1", "a b", "dotted.key", 'q"uote', "back\\slash", "é", "", "new\nline", "1234", "tab\tkey"]


@dataclass
class Texts:
    text: str = ""
    texts: tuple[str, ...] = ()
    table: dict[str, str] = field(default_factory=dict)


def test_any_string_and_key_round_trips_through_toml(tmp_path):
    config = Texts(text="".join(ODD), texts=tuple(ODD), table=dict(zip(ODD_KEYS, ODD)))
    text = to_toml(config)
    assert tomllib.loads(text) == {"text": config.text, "texts": list(ODD), "table": config.table}
    saved = tmp_path / "saved.toml"
    saved.write_text(text, encoding="utf-8")
    parser = argparse.ArgumentParser()
    add_arguments(parser, Texts)
    assert resolve(Texts, parser.parse_args(["--config", str(saved)])) == config


def test_plain_values_are_written_as_they_always_were():
    config = Texts(text='a "b" \\ c/d é', texts=("x", "y"), table={"car": "1", "a b": "2"})
    assert to_toml(config) == 'text = "a \\"b\\" \\\\ c/d é"\ntexts = ["x", "y"]\ntable = { car = "1", "a b" = "2" }\n'
