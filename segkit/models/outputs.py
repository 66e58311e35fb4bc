"""What the models return, in the project's formats: Mask R-CNN detections as COCO results."""
from __future__ import annotations

from segkit import labels


def detections_to_coco(output: dict, image_id: int, *, mask_threshold: float = 0.5, score_threshold: float = 0.0) -> list[dict]:
    """torchvision Mask R-CNN output -> COCO result dicts (Cityscapes category ids, RLE masks, scores)."""
    from pycocotools import mask as mask_utils

    from segkit.formats.coco import encode_mask

    results = []
    masks = (output["masks"][:, 0] >= mask_threshold).cpu().numpy()
    for mask, label, score in zip(masks, output["labels"].tolist(), output["scores"].tolist()):
        if score < score_threshold or not mask.any():
            continue
        rle = encode_mask(mask)
        box = mask_utils.toBbox({"size": rle["size"], "counts": rle["counts"].encode()}).tolist()
        results.append({"image_id": image_id, "category_id": labels.BY_NAME[labels.FOREGROUND_CLASSES[label - 1]].id,
                        "segmentation": rle, "bbox": [float(v) for v in box], "area": int(mask.sum()), "score": float(score)})
    return results
