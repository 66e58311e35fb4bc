"""The allowed directions of imports, checked on the source (function-local imports included).

    veis_gen:  assets -> scene -> physics -> render -> writers, then the commands (generate, cli, ...)
    segkit:    a torch-free core (labels, errors, config, formats) that veis_gen may use too, then
               data -> models, evaluation -> checkpoint, device -> train -> predict -> fuse -> pseudo_label -> bench
               -> studies -> cli; segkit never imports veis_gen (it needs none of the generator's packages)
    torch:     never imported by veis_gen (its renderer and torch do not share a process), nor by the core;
               the one exception is the people recipe, built in a process of its own
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE = ("segkit.labels", "segkit.errors", "segkit.config", "segkit.formats")
# veis_gen package -> the veis_gen packages it may import (itself included)
VEIS_LAYERS = {
    "veis_gen.assets": ("veis_gen.assets",),
    "veis_gen.scene": ("veis_gen.assets", "veis_gen.scene"),
    "veis_gen.physics": ("veis_gen.assets", "veis_gen.scene", "veis_gen.physics"),
    "veis_gen.render": ("veis_gen.assets", "veis_gen.scene", "veis_gen.render"),
    "veis_gen.writers": ("veis_gen.writers",),
}
# segkit's flow: a module imports only modules of its own step or an earlier one
SEGKIT_FLOW = (("segkit.labels", "segkit.errors", "segkit.config", "segkit.formats"), ("segkit.data",),
               ("segkit.models", "segkit.evaluation"), ("segkit.checkpoint", "segkit.device"), ("segkit.train", "segkit.train_config", "segkit.train_log", "segkit.optim"),
               ("segkit.predict",), ("segkit.fuse",), ("segkit.pseudo_label",), ("segkit.bench",), ("segkit.studies",),
               ("segkit.cli",))
TORCH_ALLOWED = {"veis_gen.assets.recipes.people"}
TORCH = ("torch", "torchvision", "timm")
GENERATOR_STACK = ("pybullet", "pyrender", "trimesh", "anny", "submitit")  # the `generate` extra


def _modules(package: str):
    for path in sorted((REPO / package).rglob("*.py")):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        yield name, path


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _violations(package: str, rule) -> list[str]:
    return [f"{name} imports {imported}" for name, path in _modules(package) for imported in sorted(_imports(path))
            if rule(name, imported)]


def test_segkit_never_imports_veis_gen():
    assert _violations("segkit", lambda name, imported: _within(imported, ("veis_gen",))) == []


def _step(name: str) -> int:
    return next(index for index, modules in enumerate(SEGKIT_FLOW) if _within(name, modules))


def test_segkit_imports_follow_its_flow():
    modules = [name for name, _ in _modules("segkit") if name != "segkit"]
    assert [name for name in modules if not any(_within(name, step) for step in SEGKIT_FLOW)] == []

    def broken(name, imported):
        return name != "segkit" and imported.startswith("segkit.") and _step(imported) > _step(name)
    assert _violations("segkit", broken) == []


def test_segkit_never_imports_the_generators_packages():
    assert _violations("segkit", lambda name, imported: _within(imported, GENERATOR_STACK)) == []


def test_every_segkit_module_imports_without_the_generators_packages():
    """At run time, as in an install without the `generate` extra: those packages cannot be found."""
    code = ("import importlib, pkgutil, sys\n"
            "class Absent:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            f"        if name.split('.')[0] in {GENERATOR_STACK!r}: raise ModuleNotFoundError(name)\n"
            "sys.meta_path.insert(0, Absent())\n"
            "import segkit\n"
            "for module in pkgutil.walk_packages(segkit.__path__, 'segkit.'): importlib.import_module(module.name)\n"
            "import segkit.train, segkit.predict, segkit.fuse, segkit.evaluation\n"
            "from segkit.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit as exit:\n    assert exit.code == 0\n"
            "print(len([m for m in sys.modules if m.startswith('segkit.')]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip().splitlines()[-1]) > 30


def test_the_core_imports_only_the_core_and_no_torch():
    def broken(name, imported):
        return _within(name, CORE) and (_within(imported, TORCH) or (imported.startswith("segkit.")
                                                                    and not _within(imported, CORE)))
    assert _violations("segkit", broken) == []


def test_veis_gen_uses_only_segkit_core():
    def broken(name, imported):
        return imported.startswith("segkit.") and not _within(imported, CORE)
    assert _violations("veis_gen", broken) == []


def test_veis_gen_layers_import_downstream_only():
    def broken(name, imported):
        for layer, allowed in VEIS_LAYERS.items():
            if _within(name, (layer,)):
                return imported.startswith("veis_gen.") and not _within(imported, allowed)
        return False
    assert _violations("veis_gen", broken) == []


def test_veis_gen_never_imports_torch():
    def broken(name, imported):
        return name not in TORCH_ALLOWED and _within(imported, TORCH)
    assert _violations("veis_gen", broken) == []


def test_a_generation_run_leaves_torch_unimported(tmp_path, needs_generator):
    """The same, at run time: a whole generate (people built in their own process) with torch never loaded."""
    code = ("import sys; from veis_gen.cli import main; "
            f"rc = main(['generate', '--out', {str(tmp_path / 'out')!r}, '--count', '2', '--size', '48x32', "
            "'--scenes', 'complex', '--progress', 'false']); "
            "assert rc == 0, rc; assert not any(m.split('.')[0] in ('torch', 'torchvision') for m in sys.modules), "
            "sorted(m for m in sys.modules if m.startswith('torch'))[:5]")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("rule", ["writers", "render"])
def test_the_rules_catch_a_wrong_arrow(tmp_path, monkeypatch, rule):
    """The checker itself: a writer importing the renderer, or the renderer importing physics, is reported."""
    fake = tmp_path / "veis_gen" / rule
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("from veis_gen.render.renderer import Renderer\n" if rule == "writers"
                                 else "from veis_gen.physics.placement import Placer\n")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    with pytest.raises(AssertionError):
        test_veis_gen_layers_import_downstream_only()


def _graph(package: str) -> dict[str, set[str]]:
    modules = dict(_modules(package))
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + "."):  # a package's __init__ is no edge
                targets.add(imported)
        graph[name] = targets
    return graph


@pytest.mark.parametrize("package", ["segkit", "veis_gen"])
def test_no_import_cycles(package):
    graph, state, cycles = _graph(package), {}, []

    def visit(node, path):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []
