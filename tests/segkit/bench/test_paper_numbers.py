"""The paper's numbers our reports print beside ours are the ones in the paper (../shared/paper.md), transcribed
without a slip: every Table 2 IoU and mIoU, and Table 4's CamVid mIoUs."""
import json
import re
from pathlib import Path

import pytest

from segkit.bench.sim2real_report import PAPER_CAMVID

REPO = Path(__file__).resolve().parents[3]
PAPER = REPO.parent / "shared" / "paper.md"


@pytest.fixture(scope="module")
def paper() -> str:
    if not PAPER.is_file():
        pytest.fail(f"{PAPER} is missing: CI must have ../shared beside the clone")
    return PAPER.read_text()


def test_table2_transcribes_the_paper(paper):
    table = json.loads((REPO / "segkit" / "bench" / "paper_table2.json").read_text())
    rows = {m.group(1).strip(): ([float(v) for v in m.group(2).split()], float(m.group(3)))
            for m in re.finditer(r"^\| ([^|]+) \| ([\d. ]+) \| ([\d.]+) \|$", paper, flags=re.M)}
    assert set(table["rows"]) == set(rows) and len(rows) == 8
    for name, (iou, miou) in rows.items():
        assert [table["rows"][name]["iou"][c] for c in table["classes"]] == iou, name
        assert table["rows"][name]["mIoU"] == miou, name


def test_camvid_table4_transcribes_the_paper(paper):
    line = next(line for line in paper.splitlines() if line.startswith("CamVid (Table 4), mIoU:"))
    found = {name.strip(): float(value) for name, value in re.findall(r"([A-Za-z0-9+&\- ]+?) (\d+\.\d)", line.split(":", 1)[1])}
    assert found == PAPER_CAMVID
