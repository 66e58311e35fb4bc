"""The official cityscapesscripts evaluators, loaded for comparisons (tests, benchmarks), never for scores.

cityscapesScripts 2.3.0 calls ``np.in1d``, which numpy 2.4 removed; it reads CITYSCAPES_DATASET and
CITYSCAPES_EXPORT_DIR when imported (the export folder must exist), and writes results into them.
"""
from __future__ import annotations

import importlib
import os
import tempfile

import numpy as np


def _restore_in1d() -> None:
    """numpy 2.4 removed ``np.in1d``; the official scripts call it. Put it back, once, as ``np.isin`` of the
    flattened array (what it was)."""
    if not hasattr(np, "in1d"):
        np.in1d = lambda a, b, invert=False: np.isin(np.asarray(a).ravel(), b, invert=invert)


def load_pixel_evaluator(work_dir: str | None = None):
    """(module, args) of evalPixelLevelSemanticLabeling, quiet, writing nothing."""
    _restore_in1d()
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


def load_instance_evaluator(prediction_dir: str, work_dir: str):
    """(module, args) of evalInstanceLevelSemanticLabeling, quiet, caching and writing inside ``work_dir``.

    Its JSON writer fails on numpy integers with numpy >= 2.3: it is given one that converts them.
    The caller must run it with ``work_dir`` as the current folder (it writes matches.json there).
    """
    import json

    _restore_in1d()
    os.environ.setdefault("CITYSCAPES_DATASET", work_dir)
    module = importlib.import_module("cityscapesscripts.evaluation.evalInstanceLevelSemanticLabeling")

    def write_json(data, path):
        with open(path, "w") as handle:
            json.dump(data, handle, default=lambda o: o.item() if isinstance(o, np.generic) else o.__dict__,
                      sort_keys=True, indent=4)

    module.writeDict2JSON = write_json
    args = module.args
    args.predictionPath, args.gtInstancesFile = str(prediction_dir), os.path.join(work_dir, "gtInstances.json")
    args.JSONOutput, args.quiet = False, True
    return module, args
