import numpy as np

from segkit import labels
from segkit.cli import main
from segkit.data.catalog import get
from segkit.data.labels_io import read_train_ids
from segkit.pseudo_label import pseudo_labels
from segkit.train import TrainConfig, train

ROAD, CAR, SKY = (labels.BY_NAME[n].train_id for n in ("road", "car", "sky"))


def test_modes_and_confidence():
    semantic = np.array([[ROAD, CAR, SKY, CAR]], np.uint8)
    confidence = np.array([[0.9, 0.9, 0.3, 0.2]], np.float32)
    fused = np.array([[ROAD, CAR, SKY, ROAD]], np.uint8)  # the detector took pixel 1, not pixel 3
    none = np.zeros(256, np.float32)
    assert pseudo_labels(semantic, confidence, mode="background", thresholds=none).tolist() == [[ROAD, 255, SKY, 255]]
    assert pseudo_labels(semantic, confidence, mode="fused", thresholds=none, fused=fused).tolist() == [[ROAD, CAR, SKY, ROAD]]
    half = np.full(256, 0.5, np.float32)
    assert pseudo_labels(semantic, confidence, mode="background", thresholds=half).tolist() == [[ROAD, 255, 255, 255]]
    # In fused mode a pixel the detector changed is kept whatever DeepLab's confidence was.
    assert pseudo_labels(semantic, confidence, mode="fused", thresholds=half, fused=fused).tolist() == [[ROAD, CAR, 255, ROAD]]


def test_both_modes_write_a_dataset_the_catalog_reads(tmp_path, mini_copy, capsys):
    common = dict(train=("cityscapes:val",), roots={"cityscapes": str(mini_copy)}, iterations=2, batch_size=2, scale=0.5,
                  random_scale=(), workers=0, progress=False)
    train(TrainConfig(task="seg", out=tmp_path / "seg", **common))
    train(TrainConfig(task="det", out=tmp_path / "det", model="maskrcnn_resnet18_fpn_tiny", min_size=64, max_size=128, **common))
    for mode in ("background", "fused"):
        out = tmp_path / f"pseudo_{mode}"
        argv = ["pseudo-label", "--seg", str(tmp_path / "seg" / "last.pt"), "--data", "cityscapes:val",
                "--cityscapes", str(mini_copy), "--mode", mode, "--out", str(out), "--min-confidence", "0.1"]
        if mode == "fused":
            argv += ["--det", str(tmp_path / "det" / "last.pt")]
        assert main(argv) == 0
        (record,) = get(f"pseudo:{out}")
        assert record.image.resolve() == next(mini_copy.rglob("*_leftImg8bit.png")).resolve()
        train_ids = read_train_ids(record)
        assert train_ids.shape == (128, 256) and set(np.unique(train_ids)) <= set(range(19)) | {255}
        if mode == "background":
            foreground = labels.train_ids_of(labels.FOREGROUND_CLASSES)
            assert not np.isin(train_ids, foreground).any()
    assert main(["check-dataset", str(tmp_path / "pseudo_background")]) == 0
    assert "pseudo-labels for 1 images" in capsys.readouterr().out


def test_class_balanced_thresholds_keep_the_stated_share_of_each_class():
    import numpy as np

    from segkit.pseudo_label import BINS, confidence_histograms, pseudo_labels, share_thresholds

    rng = np.random.default_rng(0)
    semantic = np.where(rng.random((200, 300)) < 0.9, 0, 13).astype(np.uint8)  # road 90%, car 10%
    confidence = np.where(semantic == 0, rng.uniform(0.8, 1.0, semantic.shape), rng.uniform(0.3, 0.7, semantic.shape))
    confidence = confidence.astype(np.float32)
    thresholds = share_thresholds(confidence_histograms(semantic, confidence), 0.4)
    kept = pseudo_labels(semantic, confidence, mode="background", thresholds=thresholds) != 255
    road_share = kept[semantic == 0].mean()
    car_share = (confidence[semantic == 13] >= thresholds[13]).mean()  # background mode ignores things anyway
    for share, width in ((road_share, 0.2), (car_share, 0.4)):  # at least the share, at most one bin more
        assert 0.4 <= share <= 0.4 + 2.0 / (BINS * width), share  # one threshold of 0.9 would keep no car pixel
    assert thresholds[0] > 0.85 and 0.5 < thresholds[13] < 0.6
    everything = share_thresholds(confidence_histograms(semantic, confidence), 1.0)
    assert (confidence >= everything[semantic]).all()
