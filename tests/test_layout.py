"""The layout a newcomer reads in one pass: the root of `app/` holds only the factory,
configuration, extensions and models; features depend in one direction; no import hides
inside a function. Read from the source with `ast`, so a new module is checked too."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

# Lowest first. A module may import from its own package and from packages in lower layers;
# a lower package that must react to a higher one offers a hook (a blinker signal) instead.
LAYERS: list[set[str]] = [
    {"config", "extensions"},
    {"storage", "web"},
    {"models"},
    {"auth"},
    {"team"},
    {"notify"},
    {"library"},
    {"openings"},
    {"answers"},
    {"loops"},
    {"interviews"},
    {"debriefs"},
    {"packets"},
    {"calibration", "speed"},
    {"webhooks"},
    {"erasure", "admin", "main", "demo", "api"},
    {"scheduler"},
    {"__init__"},  # the factory: it wires every feature in
]
ROOT_MODULES = {"__init__.py", "config.py", "extensions.py", "models.py"}
# (module, function): why the import waits.
LOCAL_IMPORTS_ALLOWED = {
    # WeasyPrint loads only in the render worker, after it has lowered its priority and
    # capped its memory; the web process never imports it.
    ("app.packets.worker", "main"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path, node: ast.ImportFrom | ast.Import) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module or ""]
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    if node.module:
        return [".".join([*base, node.module])]
    return [".".join([*base, alias.name]) for alias in node.names]


def _top(module: str) -> str:
    """The package (or root module) of `app.x.y` that the layers name: `x`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(name: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def _sources() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_the_root_holds_only_the_factory_configuration_extensions_and_models() -> None:
    loose = {p.name for p in APP.glob("*.py")} - ROOT_MODULES
    assert loose == set(), f"give these a folder named for their job: {sorted(loose)}"
    packages = {p.parent.relative_to(APP).parts[0] for p in APP.glob("*/__init__.py")}
    unplaced = packages - set().union(*LAYERS)
    assert unplaced == set(), f"place these packages in LAYERS: {sorted(unplaced)}"


def test_features_depend_in_one_direction() -> None:
    upward = []
    for path in _sources():
        me = _top(_module_name(path))
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _imported(path, node):
                if not target.startswith("app.") and target != "app":
                    continue
                them = _top(target)
                if them != me and _layer(them) >= _layer(me):
                    upward.append(f"{_module_name(path)}:{node.lineno} imports {target}")
    assert upward == [], "imports against the layer order:\n" + "\n".join(upward)


def test_no_import_inside_a_function() -> None:
    hidden = []
    for path in _sources():
        module = _module_name(path)
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and (
                    (module, function.name) not in LOCAL_IMPORTS_ALLOWED
                ):
                    hidden.append(f"{module}.{function.name}:{node.lineno}")
    assert hidden == [], "imports inside functions (move them to the top):\n" + "\n".join(hidden)


def test_the_layer_rule_catches_an_upward_import() -> None:
    """The checker itself: a notify module importing packets is reported."""
    fake = APP / "notify" / "outbox.py"
    tree = ast.parse("from ..packets import store\n")
    (node,) = tree.body
    (target,) = _imported(fake, node)
    assert target == "app.packets"
    assert _layer(_top(target)) > _layer(_top(_module_name(fake)))
