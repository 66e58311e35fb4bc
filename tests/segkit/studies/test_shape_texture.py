import json

import numpy as np
import pytest
from scipy import ndimage

from segkit.cli import main
from segkit.data.catalog import get
from segkit.formats.png import read_png
from segkit.studies.crops import CropSettings, extract, inscribed_square, silhouette


def test_inscribed_square_holds_no_outline_pixel(rng):
    for _ in range(30):
        mask = ndimage.gaussian_filter(rng.random((40, 50)), 3) > 0.5
        if not mask.any():
            continue
        square = inscribed_square(mask, 2)
        eroded = ndimage.binary_erosion(mask, iterations=2)
        if square is None:
            assert not eroded.any()
            continue
        top, left, side = square
        assert side >= 1 and eroded[top:top + side, left:left + side].all()
        grown = eroded[max(top - 1, 0):top + side + 1, max(left - 1, 0):left + side + 1]
        assert not (grown.shape == (side + 2, side + 2) and grown.all())  # no larger square around it


def test_silhouette_is_centred_binary_and_keeps_aspect():
    mask = np.zeros((30, 60), bool)
    mask[10:20, 5:45] = True  # 10 x 40: four times wider than tall
    shape = silhouette(mask, 64)
    assert set(np.unique(shape)) == {0, 255}
    rows, columns = np.flatnonzero(shape.any(1)), np.flatnonzero(shape.any(0))
    assert len(columns) == 64 and len(rows) == 16 and rows[0] == 24  # centred vertically


def test_crops_from_the_real_sample_and_generated_data(mini_copy, mixed_dataset, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYSCAPES_DATASET", str(mini_copy))
    settings = CropSettings(canvas=32, min_area=30, margin=1, min_texture=3)
    real = extract(get("cityscapes:val"), "real", tmp_path, settings)
    synthetic = extract(get(f"veis:{mixed_dataset}"), "synthetic", tmp_path, settings)
    assert {e["class"] for e in real} <= {"car", "person"} and any(e["class"] == "car" for e in real)
    assert len({e["class"] for e in synthetic}) >= 2
    for entry in real + synthetic:
        shape, texture = read_png(tmp_path / entry["shape"]), read_png(tmp_path / entry["texture"])
        assert shape.shape == (32, 32) and set(np.unique(shape)) <= {0, 255}  # no texture in a silhouette
        assert texture.shape == (32, 32, 3) and entry["texture_side"] >= 3 and entry["area"] >= 30


def test_both_studies_run_end_to_end(mixed_dataset, make_dataset, tmp_path, capsys):
    shifted = tmp_path / "shifted"
    make_dataset(shifted, count=8, size="160x80", seed=12, appearance="shifted")
    out = tmp_path / "study"
    argv = ["study", "shape-texture", "--synthetic", f"veis:{mixed_dataset}", "--real", f"veis:{shifted}", "--out", str(out),
            "--canvas", "32", "--min-area", "30", "--epochs", "2", "--batch-size", "8", "--test-fraction", "0.5",
            "--bootstrap", "200", "--note", "real is a generated stand-in"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "| Study 1: domain from silhouettes |" in printed and "70.0 |" in printed
    results = json.loads((out / "study.json").read_text())
    for key in ("domain_shape", "domain_texture", "object_shape_synthetic", "object_shape_real",
                "object_texture_synthetic", "object_texture_real"):
        result = results[key]
        if result["accuracy"] is not None:
            assert result["low"] <= result["accuracy"] <= result["high"] and 0 <= result["accuracy"] <= 100
    assert (out / "confusion_domain_shape.png").is_file() and (out / "examples.png").is_file()
    assert "real is a generated stand-in" in (out / "study.md").read_text()
