"""The apps' dependencies point one way (the README's Architecture draws them): an app imports only apps in
layers below its own, and no module imports inside a function except where a framework asks for it.

Read from the source with ``ast`` (nothing is imported), so a new circle fails here before it fails at
start-up, and a function-level import added to dodge one is caught too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom → top. An app may import apps in lower layers only; apps in one layer do not import each other.
# ``gridgov`` is two units: its foundation (settings-free helpers every app uses, importing no app) at the
# bottom, and the project's composition (URLs, the home page) at the top.
LAYERS = [
    {"gridgov.base"},
    {"grids"},  # areas, users, memberships, departments: the organisation
    {"worktime"},  # the working-time calendar and deadline arithmetic
    {"cases"},  # the case, its workflow, events and pages
    {"dispatch", "residents"},  # dispatch reacts to cases' signals; residents report cases from visits
    {"duty"},  # duty rosters (issue 19 §3): above dispatch, whose one outbox tells people of their shifts
    # the command map and the patrol tracks (below fieldwork, which reads the tracks); tasks and campaigns
    # (issue 19 §2), below fieldwork and community: grid-day findings and council follow-ups become tasks
    {"command", "tasks"},
    {"fieldwork"},  # grid days and work logs (issue 19): below assessment, whose worker composite reads it
    {"notices"},  # notices (issue 19): below community, whose councils publish their decisions through it
    {"assessment", "intake", "mediation", "community"},  # issues 19, 20
    {"open311", "risk"},  # risk: scores, hotspots, warnings and the big screen read many apps (issue 21)
    {"gridgov.site"},
]
APPS = [
    "gridgov",
    "grids",
    "worktime",
    "cases",
    "dispatch",
    "residents",
    "assessment",
    "command",
    "intake",
    "open311",
    "tasks",
    "notices",
    "community",
    "fieldwork",
    "risk",
    "duty",
    "mediation",
]
GRIDGOV_SITE = {"gridgov.urls", "gridgov.api_urls", "gridgov.views"}

# Function-level imports a framework asks for, or that break a circle inside one app (module, imported name).
ALLOWED_FUNCTION_IMPORTS = {
    # AppConfig.ready: Django's documented place to import receivers and scope registrations.
    *{(f"{app}/apps.py", "*") for app in APPS},
    # cases.limits caches Category and TimeLimit rows, so it imports cases.models.
    ("cases/models.py", ".limits"),
}


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in rel:
                yield rel, ast.parse(path.read_text(), rel)


def _unit(rel: str) -> str:
    app = rel.split("/")[0]
    if app != "gridgov":
        return app
    return "gridgov.site" if rel[:-3].replace("/", ".") in GRIDGOV_SITE else "gridgov.base"


def _imported(rel: str, node) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: inside the same app
        package = rel.split("/")[: -node.level]
        return [".".join([*package, node.module or ""]).strip(".")]
    return [node.module or ""]


def _imports(tree):
    """(node, inside a function) for every import statement."""
    found = []

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append((child, in_function))
            walk(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    walk(tree, False)
    return found


def _layer(unit: str) -> int:
    return next(i for i, units in enumerate(LAYERS) if unit in units)


def _target_unit(name: str) -> str | None:
    app = name.split(".")[0]
    if app not in APPS:
        return None
    if app != "gridgov":
        return app
    return "gridgov.site" if name in GRIDGOV_SITE else "gridgov.base"


def test_every_app_sits_in_one_layer():
    units = {u for layer in LAYERS for u in layer}
    assert {_unit(rel) for rel, _ in _modules()} <= units


def test_apps_import_only_the_layers_below():
    upward = []
    for rel, tree in _modules():
        unit = _unit(rel)
        for node, _in_function in _imports(tree):
            for name in _imported(rel, node):
                target = _target_unit(name)
                if target is None or target == unit:
                    continue
                if _layer(target) < _layer(unit):
                    continue
                upward.append(f"{rel}:{node.lineno} ({unit}) imports {name} ({target})")
    assert upward == [], "imports against the layer order:\n" + "\n".join(upward)


def test_no_imports_inside_functions():
    found = []
    for rel, tree in _modules():
        for node, in_function in _imports(tree):
            if not in_function:
                continue
            name = ("." * getattr(node, "level", 0)) + (
                node.module if isinstance(node, ast.ImportFrom) and node.module else node.names[0].name
            )
            if (rel, "*") in ALLOWED_FUNCTION_IMPORTS or (rel, name) in ALLOWED_FUNCTION_IMPORTS:
                continue
            found.append(f"{rel}:{node.lineno} imports {name} inside a function")
    assert found == [], "\n".join(found)
