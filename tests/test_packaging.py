"""A wheel install (not the editable one) has everything it reads: package data lives inside the packages."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECK = """
import json, segkit, veis_gen
from segkit.bench.table2 import PAPER
from veis_gen.assets.pack import find_manifest, load_packs
assert {root!r} in segkit.__file__ and {root!r} in veis_gen.__file__, (segkit.__file__, veis_gen.__file__)
assert json.loads(PAPER.read_text())["rows"]
print(len(load_packs(["builtin"])), find_manifest("builtin"))
"""


def test_a_wheel_install_finds_the_paper_numbers_and_the_builtin_pack(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("segkit", "veis_gen"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(tmp_path / "wheel"), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "wheel").glob("veis-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "segkit/bench/paper_table2.json" in names and "veis_gen/packs/builtin/pack.toml" in names
    zipfile.ZipFile(wheel).extractall(tmp_path / "installed")  # a wheel install is its files in site-packages
    root = str(tmp_path / "installed")
    result = subprocess.run([sys.executable, "-c", CHECK.format(root=root)], capture_output=True, text=True,
                            cwd=tmp_path, env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == str(tmp_path / "installed" / "veis_gen" / "packs" / "builtin" / "pack.toml")
