"""detectron2 reads what veis-gen writes with its defaults: both Cityscapes loaders, the COCO loader, and a few
training iterations. Runs where detectron2 is importable (the set-up installs ../shared/wheels' build)."""
import math
import sys

import pytest

detectron2 = pytest.importorskip("detectron2")


@pytest.fixture(scope="module")
def cityscapes_alias():
    # detectron2 at this commit imports an internal path for the official label table (its wheel README).
    import cityscapesscripts.helpers.labels as official

    sys.modules.setdefault("deeplearning.projects.cityscapesApi.cityscapesscripts.helpers.labels", official)


@pytest.mark.parametrize("from_json", [False, True])
def test_both_cityscapes_loaders(mixed_dataset, cityscapes_alias, from_json):
    from detectron2.data.datasets.cityscapes import load_cityscapes_instances

    dicts = load_cityscapes_instances(str(mixed_dataset / "leftImg8bit" / "train"), str(mixed_dataset / "gtFine" / "train"),
                                      from_json=from_json, to_polygons=True)
    assert len(dicts) == 8
    annotations = [a for d in dicts for a in d["annotations"]]
    assert annotations and all(a["segmentation"] for a in annotations)


def test_coco_loader_and_training_iterations(mixed_dataset, tmp_path):
    from detectron2 import model_zoo
    from detectron2.config import get_cfg
    from detectron2.data import DatasetCatalog
    from detectron2.data.datasets import register_coco_instances
    from detectron2.engine import DefaultTrainer

    name = f"veis_interop_{tmp_path.name}"
    register_coco_instances(name, {}, str(mixed_dataset / "annotations" / "instances_train.json"), str(mixed_dataset))
    dicts = DatasetCatalog.get(name)
    assert len(dicts) == 8 and sum(len(d["annotations"]) for d in dicts) > 0
    cfg = get_cfg()
    cfg.merge_from_file(model_zoo.get_config_file("COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_1x.yaml"))
    cfg.MODEL.DEVICE, cfg.MODEL.WEIGHTS = "cpu", ""
    cfg.MODEL.RESNETS.NORM = "BN"  # no ImageNet weights here: FrozenBN would be an identity that never learns
    cfg.MODEL.ROI_HEADS.NUM_CLASSES = 10
    cfg.INPUT.MASK_FORMAT = "bitmask"  # our COCO masks are RLE
    cfg.INPUT.MIN_SIZE_TRAIN, cfg.INPUT.MAX_SIZE_TRAIN = (80,), 160
    cfg.DATASETS.TRAIN, cfg.DATASETS.TEST = (name,), ()
    cfg.DATALOADER.NUM_WORKERS = 0
    cfg.SOLVER.IMS_PER_BATCH, cfg.SOLVER.MAX_ITER, cfg.SOLVER.BASE_LR = 2, 3, 0.001
    cfg.OUTPUT_DIR = str(tmp_path / "d2")
    trainer = DefaultTrainer(cfg)
    trainer.train()
    losses = trainer.storage.history("total_loss").values()
    assert len(losses) == 3 and all(math.isfinite(value) for value, _ in losses)
