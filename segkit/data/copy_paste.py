"""Instance copy-paste between synthetic images: another image's people, riders, two-wheelers, signs and lights
pasted where they stood in it (ClassMix-like, on instances), with their exact masks from the instance map.

The visible masks, not the amodal ones: where an object is hidden in its own image, those pixels show the object
in front of it. A pasted pixel takes the instance's class as label and a new instance id of that class
(labelId * INSTANCE_ID_OFFSET + k, k after the target's own); whatever it covers is gone from the target.
Applied before the geometric steps, so they move the pasted objects with the rest.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from segkit import labels
from segkit.data.catalog import Record
from segkit.data.transforms import resize_sample
from segkit.formats.png import read_png

PASTE_CLASSES = ("person", "rider", "bicycle", "motorcycle", "traffic sign", "traffic light")


@dataclass
class CopyPaste:
    """With ``probability``, paste one donor's instances of ``classes``; donors are the records with instance maps."""

    records: list[Record]
    probability: float
    classes: tuple[str, ...] = PASTE_CLASSES
    donors: list[Record] = field(init=False, repr=False)

    def __post_init__(self):
        self.donors = [record for record in self.records if record.instances is not None]
        self.class_ids = np.array(labels.ids_of(self.classes))

    def donor(self, rng: np.random.Generator, height: int, width: int) -> dict:
        from segkit.data.torch_data import read_image

        record = self.donors[int(rng.integers(len(self.donors)))]
        sample = {"image": read_image(record.image), "instances": read_png(record.instances)}
        if sample["image"].shape[:2] != (height, width):
            sample = resize_sample(sample, width, height)
        if rng.random() < 0.5:
            sample = {key: np.ascontiguousarray(value[:, ::-1]) for key, value in sample.items()}
        return sample

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        if not self.donors or rng.random() >= self.probability:
            return sample
        donor = self.donor(rng, *sample["image"].shape[:2])
        instances = donor["instances"].astype(np.int64)
        classes = instances // labels.INSTANCE_ID_OFFSET
        pasted = (instances >= labels.INSTANCE_ID_OFFSET) & np.isin(classes, self.class_ids)
        if not pasted.any():
            return sample
        out = dict(sample, image=np.where(pasted[..., None], donor["image"], sample["image"]))
        if sample.get("label") is not None:
            out["label"] = np.where(pasted, labels.ID_TO_TRAIN_ID[np.minimum(classes, 255)], sample["label"]).astype(np.uint8)
        if sample.get("instances") is not None:
            target = sample["instances"].copy()
            for value in np.unique(instances[pasted]):
                class_id = value // labels.INSTANCE_ID_OFFSET
                own = target[(target >= labels.INSTANCE_ID_OFFSET) & (target // labels.INSTANCE_ID_OFFSET == class_id)]
                number = int(own.max()) % labels.INSTANCE_ID_OFFSET + 1 if own.size else 0
                target[instances == value] = class_id * labels.INSTANCE_ID_OFFSET + number
            out["instances"] = target
        return out
