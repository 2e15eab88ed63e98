"""The project's own reference stays whole: every ``docs/domain.md §x.y`` the tree cites is a heading of
docs/domain.md, every assessment figure and part is described there by its key, and nothing cites the
field reference that lives outside this repository."""

import re
from pathlib import Path

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
