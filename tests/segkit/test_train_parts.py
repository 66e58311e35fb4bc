"""Parts of `segkit train`: validation through the evaluators, Mask R-CNN's input sizes, and the commands that
need no model staying torch-free."""
import subprocess
import sys

import numpy as np
import pytest
import torch

from segkit import labels
from segkit.evaluation import strict_json
from segkit.train import TrainConfig, build_datasets, build_training, validate


def former_validate(model, config, device) -> dict:
    """validate() as it was before the evaluators (one branch a task, written out): the reference."""
    from segkit.evaluation.instances import coco_mask_ap
    from segkit.evaluation.semantic import SemanticEvaluator
    from segkit.formats.coco import CocoBuilder
    from segkit.models.outputs import detections_to_coco

    dataset = build_datasets(config, training=False)
    model.eval()
    if config.task == "seg":
        evaluator = SemanticEvaluator()
        with torch.no_grad():
            for index in range(len(dataset)):
                image, target = dataset[index]
                prediction = model(image[None].to(device)).argmax(1)[0].cpu().numpy().astype(np.uint8)
                truth = target.numpy().astype(np.uint8)
                evaluator.process(labels.TRAIN_ID_TO_ID[truth], labels.TRAIN_ID_TO_ID[prediction])
        return evaluator.evaluate()
    gt, predictions = CocoBuilder(), []
    with torch.no_grad():
        for index in range(len(dataset)):
            image, target = dataset[index]
            image_id = gt.add_image(dataset.records[index].name, *image.shape[-2:])
            for mask, label in zip(target["masks"].numpy().astype(bool), target["labels"].tolist()):
                gt.add_annotation(image_id, labels.BY_NAME[labels.FOREGROUND_CLASSES[label - 1]].id, mask)
            output = model([image.to(device)])[0]
            predictions += detections_to_coco(output, image_id)
    return coco_mask_ap(gt.to_dict(), predictions)


@pytest.mark.parametrize("task, model, settings", [
    ("seg", "deeplabv3_mobilenet_v3_large", dict(scale=0.5)),
    ("det", "maskrcnn_resnet18_fpn_tiny", dict(min_size=96, max_size=192)),
])
def test_validation_gives_the_numbers_of_the_former_code(tmp_path, mini_copy, task, model, settings):
    config = TrainConfig(task=task, out=tmp_path, model=model, train=("cityscapes:val",), val="cityscapes:val",
                         roots={"cityscapes": str(mini_copy)}, **settings)
    torch.manual_seed(0)
    network = build_training(config, torch.device("cpu"))[0]
    if task == "det":  # an untrained detector's scores sit near 1/11: keep them all, so there is something to score
        network.roi_heads.score_thresh = 0.0
    ours, former = validate(network, config, torch.device("cpu")), former_validate(network, config, torch.device("cpu"))
    assert strict_json(ours) == strict_json(former)
    headline = ours["sem_seg"]["mIoU"] if task == "seg" else ours["segm"]["detections"]
    assert headline > 0


def test_mask_rcnn_takes_the_models_own_input_size_unless_the_run_sets_one(tmp_path):
    from segkit.predict import load_model

    def sizes(**settings):
        config = TrainConfig(task="det", out=tmp_path, model="maskrcnn_resnet18_fpn_tiny", train=("x",), **settings)
        transform = build_training(config, torch.device("cpu"))[0].transform
        return transform.min_size, transform.max_size

    assert TrainConfig(out=tmp_path, train=("x",)).min_size is None
    assert sizes() == ((64,), 128)  # the registry's; before, TrainConfig's 1024 and 2048 always
    assert sizes(min_size=96) == ((96,), 128) and sizes(min_size=96, max_size=192) == ((96,), 192)
    model = build_training(TrainConfig(task="det", out=tmp_path, model="maskrcnn_resnet18_fpn_tiny", train=("x",),
                                       min_size=80), torch.device("cpu"))[0]
    for saved, expected in (({"min_size": 80, "max_size": None}, ((80,), 128)), ({}, ((64,), 128)),
                            ({"min_size": 80, "max_size": 160}, ((80,), 160))):
        torch.save({"model": model.state_dict(), "config": {"task": "det", "model": "maskrcnn_resnet18_fpn_tiny",
                                                            **saved}}, tmp_path / "det.pt")
        loaded, _ = load_model(tmp_path / "det.pt", "det", torch.device("cpu"))
        assert (loaded.transform.min_size, loaded.transform.max_size) == expected, saved
    with pytest.raises(Exception, match="--max-size: expected at least 1, got 0"):
        TrainConfig(out=tmp_path, train=("x",), max_size=0)


@pytest.mark.parametrize("argv", [["--help"], ["train", "det", "--help"], ["bench", "table2", "--help"],
                                  ["bench", "sim2real", "--help"]])
def test_commands_that_need_no_model_leave_torch_unimported(argv):
    code = ("import sys\nfrom segkit.cli import main\ntry:\n    main(%r)\nexcept SystemExit as exit:\n"
            "    assert exit.code == 0, exit.code\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision')]" % argv)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
