"""Runs: the same bytes whatever the workers or shards, resuming after a kill, bad arguments."""
import json
import signal
import subprocess
import sys
import time
import tomllib

import pytest

from segkit import labels
from segkit.errors import UserError
from veis_gen.cli import main


def _files(root):
    """Every file's bytes by relative path, the saved settings aside (they name the folder)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "veis_config.toml"}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    from veis_gen.generate import GenerateConfig, generate

    out = tmp_path_factory.mktemp("reference") / "one_worker"
    generate(GenerateConfig(out=out, count=6, size="128x64", seed=5, progress=False))
    return out


def test_same_bytes_whatever_the_number_of_workers(reference, tmp_path, make_dataset):
    result = make_dataset(tmp_path / "two", workers=2)
    # The steady state starts once two images (one a worker) are done: 4 more of the 6 after it.
    assert result["made"] == 6 and result["steady_images"] == 4 and 0 < result["steady_seconds"] < result["seconds"]
    expected, got = _files(reference), _files(tmp_path / "two")
    assert len(expected) == 6 * 9 + 1  # nine files an image, and the COCO file
    assert got.keys() == expected.keys()
    assert [k for k in expected if got[k] != expected[k]] == []


def test_shards_merge_into_the_same_dataset(reference, tmp_path, make_dataset, capsys):
    make_dataset(tmp_path / "s0", shard="0/2")
    make_dataset(tmp_path / "s1", shard="1/2")
    assert len(list((tmp_path / "s0" / "meta").rglob("*.json"))) == 3
    assert main(["merge", str(tmp_path / "s0"), str(tmp_path / "s1"), "--out", str(tmp_path / "merged")]) == 0
    assert "6 train images" in capsys.readouterr().out
    assert _files(tmp_path / "merged") == _files(reference)


def test_resume_after_a_kill(reference, tmp_path):
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "veis_gen.cli", "generate", "--out", str(out), "--count", "6", "--size", "128x64",
               "--seed", "5", "--progress", "false"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.rglob("meta/*/*/*.json"))) < 2:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = len(list(out.rglob("meta/*/*/*.json")))
    assert 2 <= done < 6, "the run was not cut in the middle"
    (out / "leftImg8bit" / "train" / ".half_written.png.abc.tmp").write_bytes(b"\x89PNG")  # a write cut short
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"made {6 - done} images ({done} already there)" in result.stdout
    assert _files(out) == _files(reference)


def test_other_settings_into_the_same_folder_are_refused(reference, tmp_path, make_dataset, capsys):
    make_dataset(tmp_path / "d", count=2)
    with pytest.raises(UserError, match="other settings \\(seed\\)"):
        make_dataset(tmp_path / "d", count=2, seed=6)
    make_dataset(tmp_path / "d", count=3)  # more images of the same run is fine
    # A folder made before the street styles existed has no such keys: it resumes with their defaults only.
    saved = tmp_path / "d" / "veis_config.toml"
    saved.write_text("".join(line for line in saved.read_text().splitlines(keepends=True)
                             if not line.startswith(("traffic", "streets", "season", "camera", "furniture",
                                                     "cyclists_ahead", "walking_groups", "shop_fronts", "kerb_lines",
                                                     "car_detail", "sky", "effects"))))
    make_dataset(tmp_path / "d", count=4)
    with pytest.raises(UserError, match="other settings \\(traffic\\)"):
        make_dataset(tmp_path / "d", count=4, traffic="left")


@pytest.mark.parametrize("argv, message", [
    (["--size", "12x"], "--size: expected WIDTHxHEIGHT"),
    (["--size", "8x8"], "outside 16..8192"),
    (["--scenes", "urban"], "--scenes: expected simple, complex or mixed"),
    (["--shard", "2/2"], "--shard: expected 0 <= I < N"),
    (["--count", "0"], "--count: expected at least 1"),
    (["--count", "many"], "--count: expected int"),
    (["--class-weights", "cars=2"], "unknown foreground class(es) cars"),
    (["--shadows", "maybe"], "--shadows: expected true or false"),
    (["--pack", "no_such_pack"], "no such asset pack"),
])
def test_bad_arguments_are_one_line(tmp_path, capsys, argv, message):
    assert main(["generate", "--out", str(tmp_path / "x"), "--count", "1", "--size", "64x32", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_config_file_and_flags(tmp_path, capsys):
    settings = tmp_path / "run.toml"
    others = ", ".join(f'"{c}" = 0.0' for c in labels.FOREGROUND_CLASSES if c != "car")
    settings.write_text(f'scenes = "simple"\ncount = 2\nsize = "64x32"\nclass_weights = {{ car = 1.0, {others} }}\nprogress = false\n')
    assert main(["generate", "--config", str(settings), "--out", str(tmp_path / "o"), "--count", "1"]) == 0
    capsys.readouterr()
    saved = tomllib.loads((tmp_path / "o" / "veis_config.toml").read_text())
    assert (saved["scenes"], saved["count"], saved["size"]) == ("simple", 1, "64x32")  # the flag beat the file
    assert saved["class_weights"] == {c: float(c == "car") for c in labels.FOREGROUND_CLASSES}
    meta = json.loads(next((tmp_path / "o" / "meta").rglob("*.json")).read_text())
    assert meta["scene"]["focus_class"] == "car"
    settings.write_text('colour = "red"\n')
    assert main(["generate", "--config", str(settings), "--out", str(tmp_path / "p")]) == 2
    assert "unknown setting 'colour'" in capsys.readouterr().err


def test_class_weights_steer_what_is_drawn(tmp_path, make_dataset):
    make_dataset(tmp_path / "w", count=6, scenes="complex", class_weights={"person": 0.0, "bus": 4.0}, size="64x32")
    placed = [p["class_name"] for path in (tmp_path / "w" / "meta").rglob("*.json")
              for p in json.loads(path.read_text())["scene"]["placements"] if p["instance"]]
    assert "person" not in placed and "car" in placed


def test_styles_and_effects_keep_labels_exact_and_runs_deterministic(tmp_path, make_dataset):
    """Camera effects, graded skies and cast shadows change only the colour image: with them on, every label
    file is byte-identical and the meta file records what was drawn; with a CamVid street style, 1 and 2
    workers write the same bytes."""
    def files(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.png"))}

    common = dict(count=3, scenes="complex", size="96x72")
    make_dataset(tmp_path / "plain", **common)
    make_dataset(tmp_path / "effects", effects="camera", **common)
    make_dataset(tmp_path / "sky", sky="graded", **common)
    make_dataset(tmp_path / "shadows", shadows=True, **common)
    make_dataset(tmp_path / "metered", effects="metered", **common)
    plain = files(tmp_path / "plain")
    for changed in (files(tmp_path / "effects"), files(tmp_path / "sky"), files(tmp_path / "shadows"),
                    files(tmp_path / "metered")):
        assert plain.keys() == changed.keys()
        for name in plain:
            assert (plain[name] == changed[name]) == ("leftImg8bit" not in name), name
    skies = [json.loads(m.read_text())["sky"] for m in sorted((tmp_path / "sky" / "meta").rglob("*.json"))]
    assert len(skies) == 3 and all(set(sky) == {"horizon", "zenith", "falloff", "cover", "cloud", "seed"} for sky in skies)
    metas = sorted((tmp_path / "effects" / "meta").rglob("*.json"))
    assert all(set(json.loads(m.read_text())["effects"]) >= {"exposure", "noise", "jpeg"} for m in metas)
    metered = [json.loads(m.read_text())["effects"] for m in sorted((tmp_path / "metered" / "meta").rglob("*.json"))]
    camera = [json.loads(m.read_text())["effects"] for m in metas]
    assert [{k: v for k, v in e.items() if k != "meter"} for e in metered] == camera  # the same draws, metered
    assert all(-2.0 <= e["meter"] <= 2.0 for e in metered)
    assert files(tmp_path / "metered") != files(tmp_path / "effects")
    style = dict(traffic="left", streets="narrow", season="winter", camera="camvid", furniture=True, effects="camera",
                 cyclists_ahead=1.0, walking_groups=0.5, shop_fronts=0.5, kerb_lines=1.0, car_detail=True, sky="graded",
                 shadows=True)
    make_dataset(tmp_path / "one", workers=1, **common, **style)
    make_dataset(tmp_path / "two", workers=2, **common, **style)
    assert files(tmp_path / "one") == files(tmp_path / "two")
    notes = json.loads(sorted((tmp_path / "two" / "meta").rglob("*.json"))[0].read_text())["scene"]["notes"]
    assert notes["traffic"] == "left" and notes["season"] == "winter" and notes["camera"] == "camvid"
    assert notes["cyclists_ahead"] == 1.0 and notes["riders_ahead"] >= 1 and notes["walking_groups"] == 0.5
    assert notes["shop_fronts"] == 0.5 and notes["kerb_lines"] == 1.0


def test_every_random_stream_is_its_own():
    from veis_gen.generate import STREAMS, image_rng

    draws = {(seed, index, stream): int(image_rng(seed, index, stream).integers(2**62))
             for seed in range(3) for index in range(3) for stream in STREAMS}
    assert len(set(draws.values())) == len(draws)  # before: seed 0's appearance stream was seed 1's scene stream
    assert int(image_rng(1, 2, "effects").integers(2**62)) == draws[(1, 2, "effects")]  # a function of the three


def test_a_one_worker_run_ends_without_opengl_noise(tmp_path):
    command = [sys.executable, "-m", "veis_gen.cli", "generate", "--out", str(tmp_path / "one"), "--count", "1",
               "--size", "64x32", "--progress", "false"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "dict_keys" not in result.stderr and "shutting down" not in result.stderr, result.stderr  # before: both


def test_a_folder_drawn_with_the_former_streams_is_not_resumed(reference, tmp_path, make_dataset):
    make_dataset(tmp_path / "d", count=2)
    settings = tmp_path / "d" / "veis_config.toml"
    assert "random_streams = 2\n" in settings.read_text()
    settings.write_text(settings.read_text().replace("random_streams = 2\n", ""))  # as the former version wrote it
    with pytest.raises(UserError, match=r"other settings \(random_streams\)"):
        make_dataset(tmp_path / "d", count=3)
