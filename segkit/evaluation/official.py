"""The official cityscapesscripts evaluators, loaded for comparisons (tests, benchmarks), never for scores.

cityscapesScripts 2.3.0 calls ``np.in1d``, which numpy 2.4 removed; it reads CITYSCAPES_DATASET and
CITYSCAPES_EXPORT_DIR when imported (the export folder must exist), and writes results into them.
"""
from __future__ import annotations

import importlib
import os
import tempfile

import numpy as np


def load_pixel_evaluator(work_dir: str | None = None):
    """(module, args) of evalPixelLevelSemanticLabeling, quiet, writing nothing."""
    if not hasattr(np, "in1d"):
        np.in1d = lambda a, b, invert=False: np.isin(np.asarray(a).ravel(), b, invert=invert)
    work_dir = work_dir or tempfile.mkdtemp(prefix="cityscapes-official-")
    os.environ.setdefault("CITYSCAPES_DATASET", work_dir)
    os.environ.setdefault("CITYSCAPES_EXPORT_DIR", work_dir)
    module = importlib.import_module("cityscapesscripts.evaluation.evalPixelLevelSemanticLabeling")
    args = module.args
    args.quiet, args.JSONOutput, args.evalInstLevelScore = True, False, True
    return module, args


def official_scores(prediction_files: list[str], ground_truth_files: list[str]) -> dict:
    """The official result dictionary for label-id prediction PNGs against gtFine labelIds PNGs."""
    module, args = load_pixel_evaluator()
    return module.evaluateImgLists(list(prediction_files), list(ground_truth_files), args)
