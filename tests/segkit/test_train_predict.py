"""Training and prediction on CPU with tiny models on the real Cityscapes sample (64x128)."""
import json
import math

import numpy as np
import pytest
import torch

from segkit.cli import main
from segkit.train import TrainConfig, train


def _config(tmp_path, mini_copy, name, **overrides) -> TrainConfig:
    settings = dict(task="seg", out=tmp_path / name, model="deeplabv3_mobilenet_v3_large", train=("cityscapes:val",),
                    roots={"cityscapes": str(mini_copy)}, iterations=12, batch_size=2, lr=0.02, scale=0.5, random_scale=(),
                    flip=False, workers=0, log_every=1, checkpoint_every=100, progress=False, seed=1)
    settings.update(overrides)
    return TrainConfig(**settings)


def test_segmentation_loss_goes_down(tmp_path, mini_copy):
    result = train(_config(tmp_path, mini_copy, "seg", iterations=20))
    losses = [entry["loss"] for entry in result["history"]]
    assert len(losses) == 20
    assert sum(losses[-4:]) / 4 < 0.6 * sum(losses[:4]) / 4, losses
    assert (tmp_path / "seg" / "last.pt").is_file() and (tmp_path / "seg" / "config.toml").is_file()
    logged = [json.loads(line) for line in (tmp_path / "seg" / "log.jsonl").read_text().splitlines()]
    assert [entry["step"] for entry in logged] == list(range(1, 21))


def test_detection_loss_goes_down(tmp_path, mini_copy):
    config = _config(tmp_path, mini_copy, "det", task="det", model="maskrcnn_resnet18_fpn_tiny", scale=1.0, crop=(96, 192),
                     min_size=96, max_size=192, lr=0.01, clip_grad=10.0, iterations=16)
    losses = [entry["loss"] for entry in train(config)["history"]]
    assert sum(losses[-4:]) / 4 < 0.8 * sum(losses[:4]) / 4, losses


@pytest.mark.parametrize("recipe", [
    dict(random_scale=(0.8, 1.2), crop=(48, 96)),
    dict(optimizer="adamw", lr=1e-3, weight_decay=0.01, schedule="onecycle", warmup=3, head_lr_mult=4.0,
         batch_norm="frozen", scale=1.0, resize=48, precise_bn=2),
], ids=["sgd_crop", "adamw_onecycle_whole_frozen_bn"])
def test_resume_gives_the_weights_of_an_uninterrupted_run(tmp_path, mini_copy, recipe):
    settings = dict(iterations=6, flip=True, checkpoint_every=3, **recipe)
    whole = train(_config(tmp_path, mini_copy, "whole", **settings))
    train(_config(tmp_path, mini_copy, "cut", **settings), stop_after=3)
    resumed = train(_config(tmp_path, mini_copy, "cut", resume=True, **settings))
    assert resumed["steps"] == 6
    a = torch.load(tmp_path / "whole" / "last.pt", weights_only=False)
    b = torch.load(tmp_path / "cut" / "last.pt", weights_only=False)
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key
    assert [h["loss"] for h in whole["history"][3:]] == [h["loss"] for h in resumed["history"]]
    for index, state in a["optimizer"]["state"].items():  # momentum or Adam's moments too
        assert all(torch.equal(value, b["optimizer"]["state"][index][key]) for key, value in state.items()), index


def test_the_logged_learning_rate_follows_the_schedule(tmp_path, mini_copy):
    def cosine(step):  # a linear warm-up over 3 steps, then a cosine over the other 5
        return 0.001 + 0.999 * step / 3 if step < 3 else (1 + math.cos(math.pi * (step - 3) / 5)) / 2

    result = train(_config(tmp_path, mini_copy, "lr", iterations=8, schedule="cosine", warmup=3, lr=0.02, precise_bn=0))
    assert [h["lr"] for h in result["history"]] == pytest.approx([0.02 * cosine(s) for s in range(1, 9)])


def test_whole_image_mode_trains_and_validates_at_the_shorter_side(tmp_path, mini_copy):
    from segkit.train import build_datasets

    config = _config(tmp_path, mini_copy, "whole", scale=1.0, resize=48, val="cityscapes:val")
    image, label = build_datasets(config)[0]
    assert image.shape == (3, 48, 96) and label.shape == (48, 96)  # 128x256, aspect kept
    image, label = build_datasets(config, training=False)[0]
    assert image.shape == (3, 48, 96) and label.shape == (48, 96)
    crops = build_datasets(_config(tmp_path, mini_copy, "crop", scale=1.0, resize=64, crop=(32, 48)))[0][0]
    assert crops.shape == (3, 32, 48)


def test_prediction_sees_images_at_the_training_runs_size(tmp_path, mini_copy):
    from PIL import Image

    from segkit.predict import input_resize, segment

    assert input_resize({"resize": 48}, 1.0, None) == 48 and input_resize({"resize": 48}, 0.5, None) == 0
    assert input_resize({"resize": 48}, 1.0, 0) == 0 and input_resize({}, 1.0, None) == 0
    model = lambda x: torch.cat([x[:, :1], -x[:, :1]], 1)  # noqa: E731 (two classes, size-dependent after resizing)
    batch = torch.randn(1, 3, 128, 256)
    assert torch.equal(segment(model, batch, resize=48), segment(model, batch, scale=48 / 128))
    assert segment(model, batch, resize=48).shape == (1, 2, 128, 256)
    assert not torch.equal(segment(model, batch, resize=48), segment(model, batch))
    train(_config(tmp_path, mini_copy, "seg", iterations=1, scale=1.0, resize=48, precise_bn=0))
    data = ["--data", "cityscapes:val", "--cityscapes", str(mini_copy), "--checkpoint", str(tmp_path / "seg" / "last.pt"),
            "--confidence", "true"]
    for name, extra in (("default", []), ("given", ["--resize", "48"]), ("full", ["--resize", "0"])):
        assert main(["predict", "seg", *data, "--out", str(tmp_path / name), *extra]) == 0
    read = lambda name: np.asarray(Image.open(tmp_path / name / "confidence" / "frankfurt_000000_000294_conf.png"))  # noqa: E731
    assert np.array_equal(read("default"), read("given")) and not np.array_equal(read("default"), read("full"))


def test_predictions_are_accepted_by_the_evaluators(tmp_path, mini_copy, capsys):
    train(_config(tmp_path, mini_copy, "seg", iterations=2))
    train(_config(tmp_path, mini_copy, "det", task="det", model="maskrcnn_resnet18_fpn_tiny", scale=1.0, min_size=64,
                  max_size=128, iterations=2))
    data = ["--data", "cityscapes:val", "--cityscapes", str(mini_copy)]
    assert main(["predict", "seg", "--checkpoint", str(tmp_path / "seg" / "last.pt"), *data, "--out", str(tmp_path / "p"),
                 "--flip", "true", "--window", "64", "--window", "96", "--confidence", "true"]) == 0
    assert (tmp_path / "p" / "frankfurt_000000_000294_pred.png").is_file()
    assert main(["evaluate", "--gt", str(mini_copy), "--pred", str(tmp_path / "p"), "--json", str(tmp_path / "m.json")]) == 0
    assert 0.0 <= json.loads((tmp_path / "m.json").read_text())["sem_seg"]["mIoU"] <= 1.0
    assert main(["predict", "det", "--checkpoint", str(tmp_path / "det" / "last.pt"), *data, "--out", str(tmp_path / "d"),
                 "--score-threshold", "0"]) == 0
    instances = json.loads((tmp_path / "d" / "instances.json").read_text())
    assert instances["images"][0]["file_name"].endswith("frankfurt_000000_000294_leftImg8bit.png")
    assert all("score" in a and isinstance(a["segmentation"]["counts"], str) for a in instances["annotations"])
    if instances["annotations"]:
        assert main(["evaluate-instances", "--gt", str(mini_copy), "--pred", str(tmp_path / "d" / "instances.json")]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("argv, message", [
    (["--init", "/no/such/weights.pt"], "weight file not found"),
    (["--model", "resnet9000"], "unknown model 'resnet9000'"),
    (["--model", "maskrcnn_resnet50_fpn"], "is a det model, not seg"),
    (["--batch-size", "1"], "--batch-size 1 is too small for deeplabv3_mobilenet_v3_large"),
    (["--batch-size", "0"], "--batch-size: expected at least 1, got 0"),
    (["--iterations", "0"], "--iterations: expected at least 1, got 0"),
    (["--step-every", "0"], "--step-every: expected at least 1, got 0"),
    (["--iterations", "-5"], "--iterations: expected at least 1, got -5"),
    (["--device", "tpu"], "--device: expected auto, cpu or cuda"),
    (["--optimizer", "adam"], "--optimizer: expected sgd or adamw, got 'adam'"),
    (["--schedule", "linear"], "--schedule: expected poly, step, cosine or onecycle, got 'linear'"),
    (["--amp", "fp8"], "--amp: expected auto, bf16, fp16 or off, got 'fp8'"),
    (["--augment", "photometric", "--augment", "mixup"], "--augment: expected photometric or fourier, got 'mixup'"),
    (["--warmup", "1"], "--warmup: expected 0 to 0 steps (shorter than --iterations 1), got 1"),
    (["--iterations", "10", "--schedule", "onecycle"], "--warmup: the onecycle schedule rises over its warm-up"),
    (["--head-lr-mult", "0"], "--head-lr-mult: expected a number above 0, got 0.0"),
    (["--head-lr-mult", "-2"], "--head-lr-mult: expected a number above 0, got -2.0"),
    (["--lr", "nan"], "--lr: expected a number above 0, got nan"),
    (["--lr", "-1"], "--lr: expected a number above 0, got -1.0"),
    (["--checkpoint-minutes", "-1"], "--checkpoint-minutes: expected 0 or more, got -1.0"),
    (["--seed", "-1"], "--seed: expected 0 or more, got -1"),  # before: a traceback from numpy
    (["--train-ratios", "nan"], "--train-ratios: expected finite numbers >= 0, not all 0, got [nan]"),
    (["--train-ratios", "0"], "--train-ratios: expected finite numbers >= 0, not all 0, got [0.0]"),
    (["--betas", "0.9"], "--betas: expected two numbers in [0, 1), got [0.9]"),
    (["--batch-norm", "off"], "--batch-norm: expected train or frozen, got 'off'"),
    (["--resize", "-1"], "--resize: expected a shorter side of at least 1 pixel"),
    (["--resize", "64", "--scale", "0.5"], "--resize: expected a shorter side of at least 1 pixel (0: off) and no --scale"),
    (["--copy-paste", "1.5"], "--copy-paste: expected a number from 0 to 1, got 1.5"),
    (["--rare-class-sampling", "-1"], "--rare-class-sampling: expected a number of 0 or more (0: off), got -1.0"),
    (["--feature-distance", "nan"], "--feature-distance: expected a number of 0 or more (0: off), got nan"),
    (["--feature-style", "perturb"], "--feature-style: expected none or mixstyle, got 'perturb'"),
    (["--feature-style", "mixstyle"], "--feature-style knows EfficientNet and ResNet backbones only"),
])
def test_bad_model_settings_are_one_line(tmp_path, mini_copy, capsys, argv, message):
    base = ["train", "seg", "--out", str(tmp_path / "o"), "--train", "cityscapes:val", "--cityscapes", str(mini_copy),
            "--iterations", "1", "--workers", "0", "--progress", "false", "--crop", "64", "--crop", "128"]
    assert main(base + argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    if argv != ["--batch-size", "1"]:  # found by the first step; everything else before the run's folder is made
        assert not (tmp_path / "o").exists()  # before: --model and --init errors left an empty folder


def test_randomly_scaled_batches_without_a_crop_are_padded(tmp_path, mini_copy):
    """Images of one batch at other random scales are padded to the largest: labels with 255, ignored."""
    from segkit.data.steps import collate_seg

    small, large = (torch.rand(3, 4, 6), torch.zeros(4, 6, dtype=torch.int64)), (torch.rand(3, 5, 8), torch.ones(5, 8, dtype=torch.int64))
    images, labels = collate_seg([small, large])
    assert images.shape == (2, 3, 5, 8) and torch.equal(images[0, :, :4, :6], small[0]) and images[0, :, 4:].abs().sum() == 0
    assert torch.equal(labels[0, :4, :6], small[1]) and (labels[0, 4:] == 255).all() and (labels[0, :, 6:] == 255).all()
    assert torch.equal(labels[1], large[1])
    result = train(TrainConfig(task="seg", out=tmp_path / "o", train=("cityscapes:val",), roots={"cityscapes": str(mini_copy)},
                               model="deeplabv3_mobilenet_v3_large", batch_size=2, iterations=2, scale=0.25,
                               random_scale=(0.5, 1.5), workers=0, progress=False, precise_bn=0))
    assert result["steps"] == 2


def test_prediction_batches_split_where_sizes_change(tmp_path):
    from PIL import Image

    from segkit.data.catalog import folder
    from segkit.predict import _batches

    for index, size in enumerate([(32, 16), (32, 16), (32, 16), (64, 16), (64, 16)]):
        Image.new("RGB", size).save(tmp_path / f"img_{index}.png")
    groups = [[r.name for r in batch] for batch in _batches(folder(str(tmp_path)), 2)]
    assert groups == [["img_0", "img_1"], ["img_2"], ["img_3", "img_4"]]


def test_batch_norm_statistics_are_recomputed_at_the_end(tmp_path, mini_copy):
    """The last checkpoint's running statistics are plain averages over training batches, once."""
    train(_config(tmp_path, mini_copy, "bn", iterations=2, precise_bn=3))
    state = torch.load(tmp_path / "bn" / "last.pt", weights_only=False)
    assert state["precise_bn"] == 3
    counts = [v for k, v in state["model"].items() if k.endswith("num_batches_tracked")]
    assert counts and all(int(c) == 3 for c in counts)  # update_bn counted exactly the extra batches
    plain = train(_config(tmp_path, mini_copy, "plain", iterations=2, precise_bn=0))
    assert plain["steps"] == 2 and torch.load(tmp_path / "plain" / "last.pt", weights_only=False)["precise_bn"] == 0


def test_an_existing_run_is_never_overwritten_and_resume_checks_the_model(tmp_path, mini_copy, capsys):
    base = ["train", "seg", "--out", str(tmp_path / "o"), "--train", "cityscapes:val", "--cityscapes", str(mini_copy),
            "--iterations", "2", "--workers", "0", "--progress", "false", "--scale", "0.5", "--crop", "32", "--crop", "64",
            "--precise-bn", "0"]
    assert main(base) == 0
    before = (tmp_path / "o" / "last.pt").read_bytes(), (tmp_path / "o" / "log.jsonl").read_text()
    capsys.readouterr()
    assert main(base) == 2
    assert "holds a training run already: continue it with --resume true" in capsys.readouterr().err
    assert ((tmp_path / "o" / "last.pt").read_bytes(), (tmp_path / "o" / "log.jsonl").read_text()) == before
    assert main(base + ["--resume", "true"]) == 0
    assert "finished before: nothing to train" in capsys.readouterr().out
    assert main(base + ["--resume", "true", "--model", "deeplab_largefov_vgg16"]) == 2
    assert "not of seg model 'deeplab_largefov_vgg16': resume with the same --model" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_device_cuda_without_a_gpu_is_one_line(tmp_path, mini_copy, capsys):
    argv = ["train", "seg", "--out", str(tmp_path / "o"), "--train", "cityscapes:val", "--cityscapes", str(mini_copy),
            "--iterations", "1", "--workers", "0", "--device", "cuda", "--crop", "64", "--crop", "128"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--device cuda: no CUDA device is available" in err


@pytest.mark.filterwarnings("ignore:Detected call of")  # a skipped step, as intended
def test_the_grad_scaler_branch_makes_the_plain_steps_update(tmp_path):
    """fp16 training goes through a GradScaler (scale, unscale, step, update); in fp32 with a power-of-two
    scale the update is exactly the plain step's, and a step whose gradient overflows is skipped."""
    from contextlib import nullcontext

    from segkit.train import Precision, build_training, train_one_step

    config = TrainConfig(out=tmp_path, train=("unused",), clip_grad=1.0, crop=(8, 8))
    images, targets = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0)), torch.randint(0, 19, (2, 8, 8))

    def one_step(scaler, images=images):
        torch.manual_seed(0)
        model = torch.nn.Conv2d(3, 19, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
        train_one_step(model, images, targets, optimizer, scheduler, Precision(nullcontext(), scaler), config, torch.device("cpu"), 0)
        return model.weight.detach().clone()

    plain = one_step(None)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 10)
    assert torch.equal(one_step(scaler), plain)
    assert scaler.get_scale() == 2.0 ** 10
    overflow = torch.amp.GradScaler("cpu", init_scale=2.0 ** 127)  # the scaled gradients overflow in fp32
    torch.manual_seed(0)
    initial = torch.nn.Conv2d(3, 19, 1).weight.detach()
    assert torch.equal(one_step(overflow, images * 1e10), initial)
    assert overflow.get_scale() == 2.0 ** 126
    _, _, _, precision = build_training(TrainConfig(out=tmp_path, train=("unused",), model="deeplabv3_mobilenet_v3_large",
                                                    amp="fp16", crop=(8, 8)), torch.device("cpu"))
    assert precision.scaler is None  # no scaler on a CPU, nor autocast:
    with precision.autocast:
        assert not torch.is_autocast_enabled("cpu") and not torch.is_autocast_enabled("cuda")


@pytest.mark.parametrize("command, settings, message", [
    ("predict", dict(score_threshold=2.0), "--score-threshold: expected a number from 0 to 1, got 2.0"),
    ("predict", dict(mask_threshold=float("nan")), "--mask-threshold: expected a number from 0 to 1, got nan"),
    ("predict", dict(batch_size=0), "--batch-size: expected at least 1, got 0"),
    ("predict", dict(window=(64,)), "--window: expected a height and a width of at least 1 pixel, got [64]"),
    ("pseudo-label", dict(min_confidence=1.5), "--min-confidence: expected a number from 0 to 1, got 1.5"),
    ("pseudo-label", dict(class_confidence={"car": -0.1}), "--class-confidence car: expected a number from 0 to 1"),
    ("pseudo-label", dict(score_threshold=-1.0), "--score-threshold: expected a number from 0 to 1, got -1.0"),
])
def test_prediction_settings_out_of_range_are_refused_before_anything_runs(tmp_path, command, settings, message):
    from segkit.errors import UserError
    from segkit.predict import PredictConfig
    from segkit.pseudo_label import PseudoLabelConfig

    with pytest.raises(UserError) as info:  # before: accepted, and the model loaded and run
        if command == "predict":
            PredictConfig(checkpoint="c.pt", data="cityscapes:val", out=tmp_path / "o", **settings)
        else:
            PseudoLabelConfig(seg="c.pt", data="cityscapes:val", out=tmp_path / "o", **settings)
    assert str(info.value) == message or str(info.value).startswith(message)
