import ast
from pathlib import Path

import numpy as np
import pytest
from cityscapesscripts.helpers import labels as cs

from segkit import labels

REPO = Path(__file__).resolve().parents[2]


def test_table_matches_cityscapesscripts():
    assert len(labels.LABELS) == len(cs.labels)
    for ours, theirs in zip(labels.LABELS, cs.labels):
        assert (ours.name, ours.id, ours.category, ours.has_instances, ours.ignore_in_eval, ours.color) == (
            theirs.name, theirs.id, theirs.category, theirs.hasInstances, theirs.ignoreInEval, theirs.color)
        assert ours.train_id == (theirs.trainId if theirs.trainId >= 0 else 255)


def test_lookup_tables_agree_with_cityscapesscripts():
    for label in cs.labels:
        if label.id < 0:
            continue
        assert labels.ID_TO_TRAIN_ID[label.id] == label.trainId
        assert tuple(labels.ID_TO_COLOR[label.id]) == label.color
    unknown = [i for i in range(256) if i not in cs.id2label]
    assert (labels.ID_TO_TRAIN_ID[unknown] == 255).all()
    assert not labels.IS_KNOWN_ID[unknown].any()
    for train_id in range(19):
        assert labels.TRAIN_ID_TO_ID[train_id] == cs.trainId2label[train_id].id
    assert labels.TRAIN_ID_TO_ID[255] == cs.name2label["unlabeled"].id


def test_class_lists():
    assert labels.TRAIN_CLASSES == tuple(cs.trainId2label[i].name for i in range(19))
    assert len(labels.SYNTHIA_16_CLASSES) == 16 and len(labels.SYNTHIA_13_CLASSES) == 13
    assert set(labels.SYNTHIA_13_CLASSES) < set(labels.SYNTHIA_16_CLASSES) < set(labels.TRAIN_CLASSES)
    assert {"terrain", "truck", "train"}.isdisjoint(labels.SYNTHIA_16_CLASSES)
    assert len(labels.FOREGROUND_CLASSES) == 10 and set(labels.FOREGROUND_CLASSES) < set(labels.TRAIN_CLASSES)
    assert set(labels.BACKGROUND_CLASSES) | set(labels.FOREGROUND_CLASSES) == set(labels.TRAIN_CLASSES)
    assert set(labels.INSTANCE_CLASSES) == {l.name for l in cs.labels if l.hasInstances and l.id >= 0}
    # Lights and signs are foreground for the paper but have no Cityscapes instances.
    assert set(labels.FOREGROUND_CLASSES) - set(labels.INSTANCE_CLASSES) == {"traffic light", "traffic sign"}


def test_color_to_id_round_trip_and_ambiguous_colours():
    ids = np.array([labels.BY_NAME[name].id for name in labels.TRAIN_CLASSES], dtype=np.uint8)
    rgb = labels.ID_TO_COLOR[ids][None]
    np.testing.assert_array_equal(labels.color_to_id(rgb)[0], ids)
    black = np.zeros((1, 1, 3), dtype=np.uint8)
    assert labels.color_to_id(black)[0, 0] == cs.name2label["unlabeled"].id
    odd = np.array([[[1, 2, 3]]], dtype=np.uint8)
    with pytest.raises(ValueError, match=r"\(1, 2, 3\)"):
        labels.color_to_id(odd)
    assert labels.color_to_id(odd, unknown=0)[0, 0] == 0


def test_only_labels_module_reads_the_cityscapes_table():
    readers = []
    for path in [*REPO.glob("segkit/**/*.py"), *REPO.glob("veis_gen/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = getattr(node, "module", None) or ""
                names = [alias.name for alias in node.names]
                if "cityscapesscripts.helpers" in module or any("helpers.labels" in n for n in names):
                    readers.append(path.relative_to(REPO).as_posix())
    assert readers == ["segkit/labels.py"]
