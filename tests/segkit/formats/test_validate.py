import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from segkit import labels
from segkit.cli import main
from segkit.formats.cityscapes import gt_path, image_path, read_instance_ids, read_label_ids
from segkit.formats.png import read_png, write_png

NAME = "frankfurt_000000_000294"


def _gt(root, kind):
    return gt_path(root, "val", "frankfurt", NAME, kind)


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, [line for line in captured.err.splitlines() if line]


def test_passes_on_consistent_copy(mini_copy, capsys):
    code, out, err = _run(["check-dataset", str(mini_copy), "--json"], capsys)
    assert code == 0 and err == []
    summary = json.loads(out)
    assert summary["images"] == 1 and summary["splits"] == {"val": {"images": 1, "labelled": 1}}
    label_ids = read_label_ids(_gt(mini_copy, "labelIds"))
    assert summary["pixels_per_class"]["road"] == int((label_ids == labels.BY_NAME["road"].id).sum())
    assert sum(summary["pixels_per_class"].values()) == label_ids.size
    assert summary["instances_per_class"] == {"person": 4, "car": 3}


def test_reports_the_shipped_fixtures_resampled_train_ids(cityscapes_mini, capsys):
    code, out, err = _run(["check-dataset", str(cityscapes_mini)], capsys)
    assert code == 1
    assert err == [f"{_gt(cityscapes_mini, 'labelTrainIds')}: 77 pixels whose train id disagrees with labelIds "
                   "(first at x=139, y=1: 255, expected 10)"]
    assert "1 problem" in out


def _drop_label_ids(root):
    _gt(root, "labelIds").unlink()
    return _gt(root, "labelIds").name


def _drop_image(root):
    image_path(root, "val", "frankfurt", NAME).unlink()
    return "label files but no image"


def _shrink_label_ids(root):
    path = _gt(root, "labelIds")
    write_png(path, read_png(path)[:, :200])
    return "size 200x128 differs from the image's 256x128"


def _unknown_id(root):
    for kind in ("labelIds", "instanceIds"):
        array = read_png(_gt(root, kind))
        array[0, 0] = 40
        write_png(_gt(root, kind), array)
    return "unknown label id(s) 40 (1 pixels)"


def _instances_disagree(root):
    instance_ids = read_instance_ids(_gt(root, "instanceIds"))
    y, x = np.argwhere(instance_ids // 1000 == labels.BY_NAME["car"].id)[0]
    instance_ids[y, x] = labels.BY_NAME["person"].id * 1000 + 1
    write_png(_gt(root, "instanceIds"), instance_ids)
    return "1 pixels where instanceIds disagrees with labelIds"


def _instance_of_stuff(root):
    label_ids = read_label_ids(_gt(root, "labelIds"))
    instance_ids = read_instance_ids(_gt(root, "instanceIds"))
    road = labels.BY_NAME["road"].id
    instance_ids[label_ids == road] = road * 1000 + 1
    write_png(_gt(root, "instanceIds"), instance_ids)
    return "instance ids (>= 1000) given to classes without instances: road"


def _train_ids_disagree(root):
    train_ids = read_png(_gt(root, "labelTrainIds"))
    train_ids[5, 7] = (train_ids[5, 7] + 1) % 19
    write_png(_gt(root, "labelTrainIds"), train_ids)
    return "1 pixels whose train id disagrees with labelIds (first at x=7, y=5"


def _truncated_png(root):
    path = _gt(root, "labelIds")
    path.write_bytes(path.read_bytes()[:100])
    return "not a readable image"


def _eight_bit_instances(root):
    path = _gt(root, "instanceIds")
    write_png(path, np.zeros((128, 256), dtype=np.uint8))
    return "expected a 16-bit single-channel image"


@pytest.mark.parametrize("break_copy", [
    _drop_label_ids, _drop_image, _shrink_label_ids, _unknown_id, _instances_disagree, _instance_of_stuff,
    _train_ids_disagree, _truncated_png, _eight_bit_instances,
])
def test_each_broken_copy_gives_one_line_naming_the_file(mini_copy, capsys, break_copy):
    expected = break_copy(mini_copy)
    code, _, err = _run(["check-dataset", str(mini_copy)], capsys)
    assert code == 1
    assert len(err) == 1, err
    assert str(mini_copy / "gtFine") in err[0] or str(mini_copy / "leftImg8bit") in err[0]
    assert expected in err[0]


def test_unlabelled_split_needs_no_labels(mini_copy, capsys):
    extra = image_path(mini_copy, "train_extra", "aachen", "aachen_000000_000019")
    extra.parent.mkdir(parents=True)
    Image.new("RGB", (32, 16)).save(extra)
    code, out, err = _run(["check-dataset", str(mini_copy), "--json"], capsys)
    assert code == 0 and err == []
    assert json.loads(out)["splits"]["train_extra"] == {"images": 1, "labelled": 0}


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "absent", "no such folder"),
    (lambda tmp: tmp, "not a Cityscapes-layout tree"),
])
def test_bad_root_is_one_line_and_exit_2(tmp_path, capsys, make, message):
    code, _, err = _run(["check-dataset", str(make(tmp_path))], capsys)
    assert code == 2 and len(err) == 1 and message in err[0] and err[0].startswith("segkit: error: ")


def test_many_images_over_worker_processes_match_inline(mini_copy, capsys):
    for k in range(12):
        for kind in ("labelIds", "instanceIds", "labelTrainIds"):
            src = _gt(mini_copy, kind)
            src.with_name(src.name.replace(NAME, f"frankfurt_000001_{k:06d}")).write_bytes(src.read_bytes())
        img = image_path(mini_copy, "val", "frankfurt", NAME)
        img.with_name(img.name.replace(NAME, f"frankfurt_000001_{k:06d}")).write_bytes(img.read_bytes())
    _unknown_id(mini_copy)
    outputs = []
    for workers in ("1", "2"):
        code, out, err = _run(["check-dataset", str(mini_copy), "--json", "--workers", workers], capsys)
        outputs.append((code, out, err))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0][1])["images"] == 13


def test_check_dataset_never_imports_torch(mini_copy):
    code = ("import sys; from segkit.cli import main; rc = main(['check-dataset', sys.argv[1]]); "
            "assert 'torch' not in sys.modules, 'torch imported'; sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code, str(mini_copy)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
