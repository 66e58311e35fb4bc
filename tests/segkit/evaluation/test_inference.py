"""detectron2's loop and the evaluators training validates with: reset / process(targets, outputs) / evaluate."""
import numpy as np
import pytest
import torch

from segkit import labels
from segkit.evaluation import strict_json
from segkit.evaluation.inference import inference_on_dataset
from segkit.evaluation.instances import DetectorEvaluator
from segkit.evaluation.semantic import SegmenterEvaluator, SemanticEvaluator


def _logits(train_ids: torch.Tensor, classes: int = labels.NUM_TRAIN_CLASSES) -> torch.Tensor:
    """(B, C, H, W) logits whose argmax is ``train_ids`` (255 predicted as class 0)."""
    return torch.nn.functional.one_hot(torch.where(train_ids == 255, 0, train_ids), classes).permute(0, 3, 1, 2).float()


def test_the_segmenter_evaluator_scores_train_ids_as_the_official_one_scores_label_ids(rng):
    targets = torch.from_numpy(rng.choice([0, 1, 2, 11, 13, 255], size=(2, 16, 24)).astype(np.int64))
    predicted = torch.from_numpy(rng.choice([0, 1, 2, 11, 13], size=(2, 16, 24)).astype(np.int64))
    evaluator = SegmenterEvaluator()
    evaluator.process(targets[:1], _logits(predicted[:1]))
    evaluator.reset()  # forgets what came before
    evaluator.process(targets, _logits(predicted))
    official = SemanticEvaluator()
    for truth, prediction in zip(targets.numpy().astype(np.uint8), predicted.numpy().astype(np.uint8)):
        official.process(labels.TRAIN_ID_TO_ID[truth], labels.TRAIN_ID_TO_ID[prediction])
    assert strict_json(evaluator.evaluate()) == strict_json(official.evaluate())
    assert evaluator.evaluate()["sem_seg"]["images"] == 2
    perfect = SegmenterEvaluator()
    perfect.process(targets, _logits(targets))
    assert perfect.evaluate()["sem_seg"]["IoU-car"] == 1.0


def _instance_target(image_id: int) -> dict:
    masks = torch.zeros((2, 32, 48), dtype=torch.uint8)
    masks[0, 4:14, 5:20] = 1
    masks[1, 18:30, 25:45] = 1
    return {"masks": masks, "labels": torch.tensor([labels.FOREGROUND_CLASSES.index("car") + 1,
                                                    labels.FOREGROUND_CLASSES.index("person") + 1]),
            "image_id": torch.tensor(image_id)}


def test_the_detector_evaluator_gives_perfect_detections_an_ap_of_one():
    targets = [_instance_target(0), _instance_target(1)]
    outputs = [{"masks": t["masks"][:, None].float(), "labels": t["labels"], "scores": torch.tensor([0.9, 0.8])}
               for t in targets]
    evaluator = DetectorEvaluator()
    evaluator.process(targets, outputs)
    metrics = evaluator.evaluate()["segm"]
    assert (metrics["images"], metrics["detections"]) == (2, 4)
    assert metrics["AP"] == pytest.approx(1.0) and metrics["AP-car"] == pytest.approx(1.0)
    assert metrics["AP-person"] == pytest.approx(1.0) and np.isnan(metrics["AP-bus"])
    missed = [{**output, "masks": output["masks"][:1], "labels": output["labels"][:1], "scores": output["scores"][:1]}
              for output in outputs]
    evaluator.reset()
    evaluator.process(targets, missed)
    metrics = evaluator.evaluate()["segm"]
    assert metrics["AP-car"] == pytest.approx(1.0) and metrics["AP-person"] == 0.0


def test_inference_runs_the_model_in_eval_mode_without_gradients_on_its_device():
    seen = []

    class Model(torch.nn.Module):
        def forward(self, images):
            seen.append((self.training, torch.is_grad_enabled(), images.device.type if torch.is_tensor(images)
                         else [image.device.type for image in images]))
            return _logits(torch.zeros((images.shape[0], 4, 4), dtype=torch.int64))

    class Counting:
        def reset(self):
            self.batches = []

        def process(self, targets, outputs):
            self.batches.append((targets.shape, outputs.shape))

        def evaluate(self):
            return {"count": {"batches": len(self.batches)}}

    evaluator, model = Counting(), Model().train()
    evaluator.batches = ["stale"]
    batches = [(torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 4)), (torch.zeros(1, 3, 4, 4), torch.zeros(1, 4, 4))]
    assert inference_on_dataset(model, batches, evaluator, device=torch.device("cpu")) == {"count": {"batches": 2}}
    assert seen == [(False, False, "cpu")] * 2 and evaluator.batches[1] == ((1, 4, 4), (1, 19, 4, 4))
