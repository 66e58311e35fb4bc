"""Inputs that used to give a wrong result with exit 0, lose work, or print a traceback: each is refused in
one line before anything is written, or handled (a deleted image is made again)."""
import pytest

from veis_gen.cli import main

SMALL = ["--count", "3", "--size", "64x32", "--seed", "5", "--progress", "false"]


def _one_line(capsys, *fragments):
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.mark.parametrize("flag, value, message", [
    ("--split", "../../x", "--split: expected a plain name"),
    ("--split", "", "--split: expected a plain name"),
    ("--class-weights", "car=-1", "car=-1.0: weights are finite numbers >= 0"),
    ("--class-weights", "car=nan", "car=nan: weights are finite"),
    ("--class-weights", "car=inf", "car=inf: weights are finite"),
    ("--traffic", "up", "--traffic: expected one of right, left, got 'up'"),
    ("--streets", "wide,narrow", "--streets: expected one of wide, narrow, mixed"),
    ("--season", "spring", "--season: expected one of summer, winter, mixed"),
    ("--camera", "gopro", "--camera: expected one of default, cityscapes, camvid"),
    ("--cyclists-ahead", "-0.1", "--cyclists-ahead: expected a chance in 0..1, got -0.1"),
    ("--walking-groups", "2", "--walking-groups: expected a chance in 0..1, got 2.0"),
    ("--shop-fronts", "1.01", "--shop-fronts: expected a chance in 0..1, got 1.01"),
    ("--kerb-lines", "-1", "--kerb-lines: expected a chance in 0..1, got -1.0"),
    ("--sky", "cloudy", "--sky: expected flat or graded, got 'cloudy'"),
    ("--effects", "film", "--effects: expected none, camera or metered, got 'film'"),
    ("--seed", "-1", "--seed: expected 0 or more, got -1"),  # before: a traceback, and veis_config.toml left behind
    ("--backend", "vulkan", "--backend: expected osmesa or egl, got 'vulkan'"),  # before: veis_config.toml left
])
def test_bad_settings_write_nothing(tmp_path, capsys, flag, value, message):
    out = tmp_path / "out"
    assert main(["generate", "--out", str(out), *SMALL, flag, value]) == 2
    _one_line(capsys, message)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_all_weights_zero_is_refused_before_anything_is_written(tmp_path, capsys):
    zero = ",".join(f"{c}=0" for c in ("traffic light", "traffic sign", "person", "rider", "car", "truck", "bus",
                                        "train", "motorcycle", "bicycle"))
    assert main(["generate", "--out", str(tmp_path / "out"), *SMALL, "--class-weights", zero]) == 2
    _one_line(capsys, "every foreground class weighs 0")
    assert not (tmp_path / "out").exists()


def test_out_must_be_a_veis_folder(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["generate", "--out", str(tmp_path / "file"), *SMALL]) == 2
    _one_line(capsys, "exists and is not a folder (--out)")
    other = tmp_path / "cityscapes"
    (other / "leftImg8bit").mkdir(parents=True)
    assert main(["generate", "--out", str(other), *SMALL]) == 2
    _one_line(capsys, "not a veis-gen output")
    assert [p.name for p in other.iterdir()] == ["leftImg8bit"]


def test_a_smaller_count_is_refused_and_a_deleted_image_is_made_again(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["generate", "--out", str(out), *SMALL]) == 0
    coco = (out / "annotations" / "instances_train.json").read_bytes()
    settings = (out / "veis_config.toml").read_bytes()
    capsys.readouterr()
    assert main(["generate", "--out", str(out), *SMALL, "--count", "2"]) == 2
    _one_line(capsys, "already holds images up to index 2, more than --count 2")
    assert (out / "annotations" / "instances_train.json").read_bytes() == coco
    assert (out / "veis_config.toml").read_bytes() == settings

    image = next(out.rglob("*_000001_leftImg8bit.png"))
    original = image.read_bytes()
    image.unlink()
    assert main(["generate", "--out", str(out), *SMALL]) == 0
    assert "made 1 images (2 already there)" in capsys.readouterr().out
    assert image.read_bytes() == original

    empty, cut = next(out.rglob("*_000000_gtFine_labelIds.png")), next(out.rglob("*_000002_depth.png"))
    files = {path: path.read_bytes() for path in (empty, cut)}
    empty.write_bytes(b"")  # a crash's leftovers: before, both images were kept as "already there"
    cut.write_bytes(files[cut][: len(files[cut]) // 2])
    assert main(["generate", "--out", str(out), *SMALL]) == 0
    assert "made 2 images (1 already there)" in capsys.readouterr().out
    assert {path: path.read_bytes() for path in files} == files


def test_merge_checks_everything_before_copying(tmp_path, capsys):
    for shard, seed in (("0/3", "5"), ("1/3", "5"), ("2/3", "6")):  # the last one of another run
        argv = ["generate", "--out", str(tmp_path / f"s{shard[0]}"), *SMALL, "--split", "val", "--shard", shard]
        assert main(argv + ["--seed", seed]) == 0
    capsys.readouterr()
    merged = tmp_path / "merged"
    assert main(["merge", str(tmp_path / "s0"), str(tmp_path / "s2"), "--out", str(merged)]) == 2
    _one_line(capsys, "made with other settings", "seed")
    assert not merged.exists()

    assert main(["merge", str(tmp_path / "s0"), "--out", str(merged)]) == 0
    captured = capsys.readouterr()
    assert "1 val images" in captured.out and "missing 2 image(s) of the run, indices 1, 2" in captured.err
    assert main(["merge", str(tmp_path / "s1"), "--out", str(merged)]) == 0
    assert "2 val images" in capsys.readouterr().out
    assert main(["merge", str(tmp_path / "s1"), "--out", str(merged), "--split", "train"]) == 2
    _one_line(capsys, "the shards hold split 'val'")


def test_truncated_meta_and_bad_preview_counts_are_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["generate", "--out", str(out), *SMALL]) == 0
    meta = next(out.rglob("meta/*/*/*.json"))
    meta.write_text(meta.read_text()[:40])
    capsys.readouterr()
    for argv in (["stats", str(out)], ["preview", str(out), "--out", str(tmp_path / "p.png")]):
        assert main(argv) == 2
        _one_line(capsys, f"{meta}: not a valid meta file")
    with pytest.raises(SystemExit):
        main(["preview", str(out), "--out", str(tmp_path / "p.png"), "--count", "-2"])
    assert "--count: expected at least 1, got -2" in capsys.readouterr().err


def _pack(folder, asset: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(f'[pack]\nname = "bad"\nlicense = "CC0"\n\n[[assets]]\n{asset}\n')
    return folder


def test_a_pack_with_nan_vertices_or_bad_recipe_params_fails_before_the_run(tmp_path, capsys):
    import numpy as np
    import trimesh

    mesh = trimesh.creation.box(extents=(4.0, 1.8, 1.5))
    mesh.vertices[0] = [np.nan, 0.0, 0.0]
    nan_pack = _pack(tmp_path / "nan", 'id = "broken"\nclass = "car"\nmesh = "car.ply"')
    mesh.export(nan_pack / "car.ply")
    stopp = _pack(tmp_path / "stopp", 'id = "odd"\nclass = "traffic sign"\nrecipe = "traffic_sign"\n'
                                      'params = { style = "stopp", size = 0.7 }')
    for pack, message in ((nan_pack, "car.ply: part"), (stopp, "asset 1 ('odd'): field 'params': key 'style': expected one of stop")):
        out = tmp_path / f"out_{pack.name}"
        assert main(["generate", "--out", str(out), *SMALL, "--pack", "builtin", "--pack", str(pack)]) == 2
        _one_line(capsys, message)
        assert not out.exists()
    for argv in (["assets", "validate", str(stopp)], ["assets", "preview", str(stopp), "--out", str(tmp_path / "p.png")]):
        assert main(argv) == 2
        assert "key 'style': expected one of stop, yield" in capsys.readouterr().err


@pytest.mark.parametrize("params, message", [
    ('{ syle = "stop" }', "key 'syle': unknown for recipe 'traffic_sign' (known: mount_height, size, style)"),
    ("{ size = -1 }", "key 'size': expected more than 0, got -1"),
    ('{ size = "big" }', "key 'size': expected a number, got 'big'"),
    ("{ mount_height = nan }", "key 'mount_height': expected a finite number"),
])
def test_recipe_params_are_checked_by_name_and_range(tmp_path, capsys, params, message):
    pack = _pack(tmp_path / "signs", f'id = "odd"\nclass = "traffic sign"\nrecipe = "traffic_sign"\nparams = {params}')
    assert main(["assets", "validate", str(pack)]) == 2  # before: "all valid", and the default sign (or one upside down)
    _one_line(capsys, "asset 1 ('odd'): field 'params': " + message)


def test_a_mesh_asset_takes_no_params(tmp_path, capsys):
    import trimesh

    pack = _pack(tmp_path / "mesh", 'id = "box"\nclass = "car"\nmesh = "car.ply"\nparams = { style = "van" }')
    trimesh.creation.box(extents=(4.0, 1.8, 1.5)).export(pack / "car.ply")
    assert main(["assets", "validate", str(pack)]) == 2
    _one_line(capsys, "field 'params': only a recipe takes params")
