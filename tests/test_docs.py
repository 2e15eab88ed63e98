"""The project's own reference stays whole: every ``docs/domain.md §x.y`` the tree cites is a heading of
docs/domain.md, every assessment figure and part is described there by its key, and nothing cites the
field reference that lives outside this repository."""

import importlib
import re
from pathlib import Path

import pytest

from assessment.figures import DEFAULT_WEIGHTS, FIGURES, PARTS

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "docs" / "domain.md"
SKIPPED_DIRS = {".git", ".venv", "var", "node_modules", "__pycache__", "vendor", "staticfiles", "media"}
TEXT_SUFFIXES = {".py", ".html", ".md", ".txt", ".po", ".js", ".css", ".toml", ".yml", ".yaml", ".cfg"}
CITATION = re.compile(r"docs/domain\.md §(\d+(?:\.\d+)*)")
SELF_CITATION = re.compile(r"§(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^#{2,4} (\d+(?:\.\d+)*)\.? ", re.MULTILINE)
# The field reference the project was started from is not part of the repository: cite docs/domain.md.
OUTSIDE_REFERENCE = re.compile(r"\bDOMAIN(?:\.md|'s|\b)")


def _text_files():
    for path in ROOT.rglob("*"):
        skipped = SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
        if path.suffix in TEXT_SUFFIXES and not skipped and path.is_file():
            yield path


def _sections() -> list[str]:
    return HEADING.findall(DOMAIN.read_text(encoding="utf-8"))


def test_section_numbers_are_unique():
    sections = _sections()
    assert len(sections) == len(set(sections)), sorted(s for s in sections if sections.count(s) > 1)


def test_every_cited_section_is_a_heading():
    sections = set(_sections())
    missing = []
    for path in _text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        pattern = SELF_CITATION if path == DOMAIN else CITATION
        for number in pattern.findall(text):
            if number not in sections:
                missing.append(f"{path.relative_to(ROOT)}: §{number}")
    assert not missing, "cited sections missing from docs/domain.md: " + ", ".join(sorted(set(missing)))


def test_the_tree_cites_docs_domain():
    here = Path(__file__).resolve()
    stale = []
    for path in _text_files():
        if path == here:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE_REFERENCE.search(line):
                stale.append(f"{path.relative_to(ROOT)}:{number}")
    assert not stale, "cite docs/domain.md §x.y instead of DOMAIN.md: " + ", ".join(stale)


def test_every_figure_part_and_composite_is_documented():
    text = DOMAIN.read_text(encoding="utf-8")
    keys = [*FIGURES, *PARTS, *DEFAULT_WEIGHTS]
    undocumented = [key for key in keys if f"`{key}`" not in text]
    assert not undocumented, "describe these keys in docs/domain.md: " + ", ".join(undocumented)


# --- Names the architecture cites exist ------------------------------------------------------------------
# A backticked repository path (`cases/services.py`, `dispatch/notifications/`, optionally with `:name`) must
# exist, and its `:name` (or a backticked dotted `app.module.name`) must be what importing the module gives.

FIRST_PARTY = {"gridgov", "grids", "worktime", "cases", "dispatch", "residents", "assessment", "command"}
FIRST_PARTY |= {"intake", "open311"}
NAMES_CHECKED = [ROOT / "docs" / "architecture.md", ROOT / "README.md"]
PATHS_CHECKED = [*NAMES_CHECKED, DOMAIN]
BACKTICKED = re.compile(r"`([^`\n]+)`")
# `dir/file.ext`, `dir/file.py:name.attr`, `dir/` (at least one slash, no space, not a URL).
REPO_PATH = re.compile(r"((?:[A-Za-z_][\w.-]*/)+(?:[\w.-]+\.[a-z]+)?)(?::([A-Za-z_][\w.]*))?(?:\(.*\))?")
DOTTED = re.compile(r"([a-z_][a-z0-9_]*(?:\.[A-Za-z_]\w*)+)(?:\(.*\))?")


def _backticked(path: Path) -> list[str]:
    return BACKTICKED.findall(path.read_text(encoding="utf-8"))


def _resolves(module_path: str, name: str = "") -> bool:
    """Import the longest importable prefix of ``module_path`` + ``name`` and getattr the rest."""
    parts = [*module_path.split("."), *(name.split(".") if name else [])]
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def _module_of(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _stale_paths(doc: Path) -> list[str]:
    stale = []
    for span in _backticked(doc):
        match = REPO_PATH.fullmatch(span)
        if not match or match.group(1).split("/")[0] in {"api", "v1"}:
            continue
        path, name = match.groups()
        if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
            continue  # an API route (`routing/rules`), not a file
        exists = (ROOT / path).exists()
        if not exists or (name and not (path.endswith(".py") and _resolves(_module_of(path), name))):
            stale.append(span)
    return stale


def _stale_names(doc: Path) -> list[str]:
    stale = []
    for span in _backticked(doc):
        match = DOTTED.fullmatch(span)
        if match and match.group(1).split(".")[0] in FIRST_PARTY and not _resolves(match.group(1)):
            stale.append(span)
    return stale


@pytest.mark.parametrize("doc", PATHS_CHECKED, ids=lambda p: p.name)
def test_every_cited_path_exists(doc):
    stale = _stale_paths(doc)
    assert not stale, f"{doc.name} names paths or names not in the tree: " + ", ".join(stale)


@pytest.mark.parametrize("doc", NAMES_CHECKED, ids=lambda p: p.name)
def test_every_cited_module_name_resolves(doc):
    stale = _stale_names(doc)
    assert not stale, f"{doc.name} names modules or functions not in the tree: " + ", ".join(stale)
