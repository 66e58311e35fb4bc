"""Instance evaluation: COCO mask AP (pycocotools) for the foreground classes, and export of predictions
in the official Cityscapes instance format for evalInstanceLevelSemanticLabeling.

Predictions are COCO instances files whose annotations carry a ``score`` (what ``segkit predict det``
writes); images are matched to the ground truth by file name.
"""
from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import numpy as np

from segkit import labels
from segkit.errors import UserError
from segkit.formats.cityscapes import image_key
from segkit.formats.coco import CocoBuilder, add_instance_map, check_coco, decode_mask, load_coco, read_json


def align_results(gt: dict, predictions: dict, source: str) -> list[dict]:
    """The predictions' annotations with image ids of the ground truth (matched by file name)."""
    by_stem = {image_key(image["file_name"]): image["id"] for image in gt["images"]}
    image_of = {}
    for image in predictions["images"]:
        stem = image_key(image["file_name"])
        if stem not in by_stem:
            raise UserError(f"{source}: image {image['file_name']} is not in the ground truth")
        image_of[image["id"]] = by_stem[stem]
    results = []
    for annotation in predictions["annotations"]:
        if "score" not in annotation:
            raise UserError(f"{source}: annotation {annotation.get('id')} has no score (is this a prediction file?)")
        results.append({"image_id": image_of[annotation["image_id"]], "category_id": annotation["category_id"],
                         "segmentation": annotation["segmentation"], "score": float(annotation["score"])})
    return results


def coco_mask_ap(gt: dict, results: list[dict], classes=labels.FOREGROUND_CLASSES) -> dict:
    """{"segm": {"AP", "AP50", "AP75", "APs", "APm", "APl", "AP-<class>"...}} in 0..1; NaN where undefined."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        category_ids = [labels.BY_NAME[name].id for name in classes]
        metrics: dict = {"images": len(gt["images"]), "detections": len(results)}
        if not results:
            return {"segm": {**metrics, "AP": 0.0, "AP50": 0.0, "AP75": 0.0}}
        coco_dt = coco_gt.loadRes(results)
        evaluator = COCOeval(coco_gt, coco_dt, "segm")
        evaluator.params.catIds = category_ids
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    names = ("AP", "AP50", "AP75", "APs", "APm", "APl")
    metrics.update({name: (float(v) if v >= 0 else float("nan")) for name, v in zip(names, evaluator.stats[:6])})
    precision = evaluator.eval["precision"]  # (iou, recall, class, area, max dets)
    for index, name in enumerate(classes):
        values = precision[:, :, index, 0, -1]
        values = values[values > -1]
        metrics[f"AP-{name}"] = float(values.mean()) if values.size else float("nan")
    return {"segm": metrics}


class DetectorEvaluator:
    """A detector's outputs (torchvision Mask R-CNN's dicts) against its inputs' targets (masks, labels 1..10 in
    ``FOREGROUND_CLASSES``' order), scored by ``coco_mask_ap``: what training validates with."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.gt, self.results = CocoBuilder(), []

    def process(self, targets, outputs) -> None:
        # Here, not at the top: `segkit evaluate-instances` imports this module without torch (which models loads).
        from segkit.models.outputs import detections_to_coco

        for target, output in zip(targets, outputs):
            masks = target["masks"].numpy().astype(bool)
            image_id = self.gt.add_image(str(int(target["image_id"])), *masks.shape[-2:])
            for mask, label in zip(masks, target["labels"].tolist()):
                self.gt.add_annotation(image_id, labels.BY_NAME[labels.FOREGROUND_CLASSES[label - 1]].id, mask)
            self.results += detections_to_coco(output, image_id)

    def evaluate(self) -> dict:
        return coco_mask_ap(self.gt.to_dict(), self.results)


def ground_truth_from_records(records, classes=labels.FOREGROUND_CLASSES) -> dict:
    """A COCO ground-truth dict from Cityscapes-encoded instance maps (crowd regions as iscrowd)."""
    from segkit.formats.png import read_png

    builder = CocoBuilder(class_names=tuple(classes))
    for record in records:
        if record.instances is None:
            raise UserError(f"{record.image}: no instance map to evaluate against")
        instances = read_png(record.instances)
        image_id = builder.add_image(str(record.image), *instances.shape)
        add_instance_map(builder, image_id, instances)
    return builder.to_dict()


def export_cityscapes_instances(predictions: dict, out: Path, *, min_score: float = 0.0) -> int:
    """Write the official format: per image ``<stem>.txt`` listing ``masks/<stem>_<k>.png <labelId> <score>``."""
    from segkit.formats.atomic import write_text
    from segkit.formats.png import write_png

    lines: dict[int, list[str]] = {image["id"]: [] for image in predictions["images"]}
    stems = {image["id"]: image_key(image["file_name"]) for image in predictions["images"]}
    images = {image["id"]: image for image in predictions["images"]}
    count = 0
    for annotation in sorted(predictions["annotations"], key=lambda a: (a["image_id"], -a.get("score", 0.0))):
        score = float(annotation.get("score", 1.0))
        if score < min_score:
            continue
        stem = stems[annotation["image_id"]]
        mask_name = f"masks/{stem}_{len(lines[annotation['image_id']]):04d}.png"
        image = images[annotation["image_id"]]
        mask = decode_mask(annotation["segmentation"], (image.get("height"), image.get("width")))
        write_png(out / mask_name, mask.astype(np.uint8) * 255)
        lines[annotation["image_id"]].append(f"{mask_name} {annotation['category_id']} {score:.6f}")
        count += 1
    for image_id, entries in lines.items():
        write_text(out / f"{stems[image_id]}.txt", "".join(f"{line}\n" for line in entries))
    return count


def load_predictions(path, *, gt_coco=None) -> dict:
    """A COCO instances file with scores; or detectron2's ``coco_instances_results.json``, a plain list of
    results whose ``image_id``s are those of the ground-truth COCO file ``gt_coco`` (its images and
    categories are taken from there)."""
    data = read_json(path)
    if isinstance(data, list):
        if gt_coco is None:
            raise UserError(f"{path}: a list of results (detectron2's coco_instances_results.json): give the "
                            "ground-truth COCO file its image_ids refer to with --gt-coco")
        gt = load_coco(gt_coco)
        images = {image["id"] for image in gt["images"]}
        for result in data:
            if not isinstance(result, dict) or result.get("image_id") not in images:
                raise UserError(f"{path}: result {result!r:.80} names no image of {gt_coco}")
        annotations = [{**result, "id": index} for index, result in enumerate(data, start=1)]
        predictions = {"images": gt["images"], "annotations": annotations, "categories": gt["categories"]}
        _check_scores(predictions, path)
        return predictions
    predictions = check_coco(data, path)
    _check_scores(predictions, path)
    return predictions


def _check_scores(predictions: dict, path) -> None:
    for annotation in predictions["annotations"]:
        if not isinstance(annotation.get("score"), (int, float)) or math.isnan(annotation["score"]):
            raise UserError(f"{path}: annotation {annotation.get('id')} has no numeric score")
