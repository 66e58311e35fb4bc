"""Configs: dataset roots come from the catalog's table as flags and TOML keys, and round-trip through TOML."""
import argparse

import pytest

from segkit.config import add_arguments, resolve, to_toml
from segkit.data.catalog import ROOTED
from segkit.errors import UserError
from segkit.predict import PredictConfig


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
    with pytest.raises(UserError, match="--seg-schedule: expected poly, step, cosine, onecycle, got 'bogus'"):
        resolve(Sim2RealConfig, parser.parse_args(["--seg-schedule", "bogus"]))
    with pytest.raises(UserError, match="--det-iterations: expected at least 1, got 0"):
        resolve(Sim2RealConfig, parser.parse_args(["--det-iterations", "0"]))
    with pytest.raises(SystemExit):  # Mask R-CNN's resize is no setting of the segmenter
        parser.parse_args(["--seg-min-size", "300"])
