"""Every id the repository cites resolves inside it.

- The reference's ids (endpoints ``E39``, rules ``R132``, resolutions ``A34``) cited in comments,
  docstrings, Markdown, test names and test-case ids (and in any string of non-test code, such as
  an OpenAPI description) each have their row in ``docs/reference.md``.
- Decision ids (``D0.7``) cited anywhere but ``docs/decisions.md`` each have their heading there.
- No tracked text file points at notes kept outside the repository (the design notes, the rules
  list and the stack notes beside it, or the folder that holds them): the repository explains
  itself.

The id scan reads the repository's own files (no network, no database, no process): Python,
protobuf, TypeScript and Markdown, skipping hidden folders (``.venv``, ``.git``, ``.state``),
caches, dependencies, benchmark results and the generated gRPC code. The pointer scan reads every
file git tracks (``git ls-files`` names them) except generated code, lock files and the copies
of the reference's data.
"""

from __future__ import annotations

import ast
import io
import os
import re
import subprocess
import tokenize
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference.md"
DECISIONS = ROOT / "docs" / "decisions.md"

SCANNED_SUFFIXES = frozenset({".py", ".proto", ".md", ".ts", ".tsx"})
SKIPPED_FOLDERS = frozenset({"__pycache__", "node_modules"})
SKIPPED_PATHS = frozenset({Path("bench", "results")})
GENERATED = re.compile(r"_pb2(_grpc)?\.pyi?$")

# The reference's ids as words; a test names them in lower case, joined by underscores.
REFERENCE_ID = re.compile(r"\b[REA]\d+\b")
TEST_NAME_ID = re.compile(r"(?<![a-z0-9])([rea])(\d+)(?![a-z0-9])")
DECISION_ID = re.compile(r"\bD\d+\.\d+\b")
TEST_NAME_DECISION = re.compile(r"(?<![a-z0-9])d(\d+)_(\d+)(?![a-z0-9])")
# A test-case id that starts with reference ids, e.g. "r79 draft" or "a32 unassigned alone".
CASE_ID_PREFIX = re.compile(r"^(?:[rea]\d+[ _,]+)+")
# Not the reference's ids: ruff's rule codes after `noqa`, and gRPC's design proposals ("gRFC A6").
NOT_REFERENCE_IDS = re.compile(r"noqa(?::\s*[A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)?|gRFC\s+A\d+")

REFERENCE_ROW = re.compile(r'^\|\s*(?:<a id="[^"]*"></a>)?\s*([REA]\d+)\s*\|', re.MULTILINE)
REFERENCE_HEADING = re.compile(r"^#+\s+([REA]\d+)\b", re.MULTILINE)
DECISION_HEADING = re.compile(r"^#{2,6}\s+(D\d+\.\d+)\b", re.MULTILINE)

Citations = dict[str, list[str]]


def _cite(found: Citations, ids: Iterable[str], where: str) -> None:
    for cited in ids:
        found[cited].append(where)


def _reference_ids(text: str) -> list[str]:
    return REFERENCE_ID.findall(NOT_REFERENCE_IDS.sub(" ", text))


def _test_name_ids(name: str) -> list[str]:
    return [f"{letter.upper()}{number}" for letter, number in TEST_NAME_ID.findall(name)]


def _decision_ids(text: str) -> list[str]:
    return DECISION_ID.findall(text)


# Where a test module names its tests.
NAMED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _may_cite(source: str, *, test_module: bool) -> bool:
    """Cheap first look: most modules cite nothing and need no parsing."""
    if REFERENCE_ID.search(source) or DECISION_ID.search(source):
        return True
    return test_module and bool(TEST_NAME_ID.search(source) or TEST_NAME_DECISION.search(source))


def _comment_lines(source: str) -> bool:
    return any("#" in line and (REFERENCE_ID.search(line) or DECISION_ID.search(line)) for line in source.splitlines())


def python_citations(source: str, where: str, *, test_module: bool) -> tuple[Citations, Citations]:
    """Reference and decision ids cited by one Python module, each with ``where:line``.

    Comments and docstrings always count. In a test module, test names count (``test_r5_a45_x``)
    and so do the ids a string starts with, as parametrized case ids do; other strings are test
    data. In other modules every string counts: there they are messages and API descriptions."""
    references: Citations = defaultdict(list)
    decisions: Citations = defaultdict(list)
    if not _may_cite(source, test_module=test_module):
        return references, decisions
    if _comment_lines(source):
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                _cite(references, _reference_ids(token.string), f"{where}:{token.start[0]}")
                _cite(decisions, _decision_ids(token.string), f"{where}:{token.start[0]}")
    docstrings: set[int] = set()
    # Breadth first: a module, class or function is met before its docstring.
    for node in ast.walk(ast.parse(source)):
        line = f"{where}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, (ast.Module, *NAMED)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if not test_module or id(node) in docstrings:
                _cite(references, _reference_ids(node.value), line)
                _cite(decisions, _decision_ids(node.value), line)
            elif prefix := CASE_ID_PREFIX.match(node.value):
                _cite(references, _test_name_ids(prefix.group()), line)
        elif test_module and isinstance(node, NAMED) and node.name.lower().startswith("test"):
            _cite(references, _test_name_ids(node.name), line)
            _cite(decisions, (f"D{a}.{b}" for a, b in TEST_NAME_DECISION.findall(node.name)), line)
    return references, decisions


def comment_citations(source: str, where: str) -> tuple[Citations, Citations]:
    """Ids in the ``//`` and ``/* */`` comments of a protobuf or TypeScript file."""
    references: Citations = defaultdict(list)
    decisions: Citations = defaultdict(list)
    for match in re.finditer(r"//[^\n]*|/\*.*?\*/", source, re.DOTALL):
        line = f"{where}:{source.count(chr(10), 0, match.start()) + 1}"
        _cite(references, _reference_ids(match.group()), line)
        _cite(decisions, _decision_ids(match.group()), line)
    return references, decisions


def markdown_citations(text: str, where: str, *, decisions_file: bool) -> tuple[Citations, Citations]:
    """Ids anywhere in a Markdown file; the decisions file defines decision ids, it cites none."""
    references: Citations = defaultdict(list)
    decisions: Citations = defaultdict(list)
    for number, line in enumerate(text.splitlines(), start=1):
        _cite(references, _reference_ids(line), f"{where}:{number}")
        if not decisions_file:
            _cite(decisions, _decision_ids(line), f"{where}:{number}")
    return references, decisions


def repository_files(root: Path = ROOT) -> Iterator[Path]:
    for folder, subfolders, files in os.walk(root):
        relative = Path(folder).relative_to(root)
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not name.startswith(".") and name not in SKIPPED_FOLDERS and relative / name not in SKIPPED_PATHS
        )
        for name in sorted(files):
            path = Path(folder, name)
            if path.suffix in SCANNED_SUFFIXES and not GENERATED.search(name):
                yield path


def repository_citations(root: Path = ROOT) -> tuple[Citations, Citations]:
    references: Citations = defaultdict(list)
    decisions: Citations = defaultdict(list)
    for path in repository_files(root):
        where = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            found = python_citations(text, where, test_module=where.startswith("tests/"))
        elif path.suffix == ".md":
            found = markdown_citations(text, where, decisions_file=path == root / "docs" / "decisions.md")
        else:
            found = comment_citations(text, where)
        for into, cited in zip((references, decisions), found, strict=True):
            for key, places in cited.items():
                into[key].extend(places)
    return references, decisions


def defined(pattern: re.Pattern[str], *others: re.Pattern[str], text: str) -> list[str]:
    return [found for each in (pattern, *others) for found in each.findall(text)]


def _unresolved(citations: Citations, known: Iterable[str]) -> dict[str, list[str]]:
    """The cited ids that are not ``known``, each with its first few places."""
    resolved = set(known)
    return {key: sorted(places)[:5] for key, places in sorted(citations.items()) if key not in resolved}


def test_every_cited_reference_and_decision_id_resolves_inside_the_repository() -> None:
    references, decisions = repository_citations()
    reference_ids = defined(REFERENCE_ROW, REFERENCE_HEADING, text=REFERENCE.read_text(encoding="utf-8"))
    decision_ids = defined(DECISION_HEADING, text=DECISIONS.read_text(encoding="utf-8"))
    assert _unresolved(references, reference_ids) == {}, "ids cited but missing from docs/reference.md"
    assert _unresolved(decisions, decision_ids) == {}, "decision ids cited but missing from docs/decisions.md"


def test_the_reference_page_has_every_id_of_the_reference_once() -> None:
    rows = defined(REFERENCE_ROW, REFERENCE_HEADING, text=REFERENCE.read_text(encoding="utf-8"))
    expected = [f"{kind}{n}" for kind, last in (("E", 50), ("R", 161), ("A", 60)) for n in range(1, last + 1)]
    assert sorted(rows) == sorted(expected)


def test_decision_ids_are_defined_once() -> None:
    headings = defined(DECISION_HEADING, text=DECISIONS.read_text(encoding="utf-8"))
    assert headings and len(headings) == len(set(headings))


def test_python_citations_read_comments_docstrings_strings_and_test_names() -> None:
    source = '''"""Rules R5 and E39; decision D0.7."""
CODE = 1  # see A34 and D18.3; noqa: E731
LOOKUP = {"label": "A shot type id (A9)"}
ALIAS = "E8"  # gRFC A6 is gRPC's, not ours


def test_r5_a45_d0_2_scoping():
    """As R8 says."""
    cases = [("r79 draft", 1), ("a32 unassigned alone", 2), ("plain data R7", 3)]
'''
    product, product_decisions = python_citations(source, "m.py", test_module=False)
    assert set(product) == {"R5", "E39", "A34", "A9", "E8", "R8", "R7"}
    assert set(product_decisions) == {"D0.7", "D18.3"}
    tests, test_decisions = python_citations(source, "t.py", test_module=True)
    assert set(tests) == {"R5", "E39", "A34", "A45", "R8", "R79", "A32"}
    assert set(test_decisions) == {"D0.7", "D18.3", "D0.2"}
    assert tests["A45"] == ["t.py:7"]


def test_comment_and_markdown_citations() -> None:
    proto = (
        "message X {\n  // E18: THE outfit (D16.1)\n  string url = 1; /* R110,\n A14 */\n}\n"
        "// R999: unknown ids are found too\n"
    )
    references, decisions = comment_citations(proto, "x.proto")
    assert dict(references) == {
        "E18": ["x.proto:2"],
        "R110": ["x.proto:3"],
        "A14": ["x.proto:3"],
        "R999": ["x.proto:6"],
    }
    assert dict(decisions) == {"D16.1": ["x.proto:2"]}
    markdown = "Board (E9).\n\n### D0.1. Title (R27)\n"
    assert set(markdown_citations(markdown, "d.md", decisions_file=True)[1]) == set()
    references, decisions = markdown_citations(markdown, "r.md", decisions_file=False)
    assert set(references) == {"E9", "R27"} and set(decisions) == {"D0.1"}


def test_unresolved_ids_name_where_they_are_cited() -> None:
    assert _unresolved({"R5": ["a.py:1"], "R999": ["b.py:2", "a.py:3"]}, ["R5"]) == {"R999": ["a.py:3", "b.py:2"]}


# Notes that live beside the repository, not in it (their content is in docs/ in the project's
# words). Their names are put together here, so this module is scanned like any other file.
_BESIDE = "shared"
OUTSIDE_NAMES = (
    *(f"{name}.md" for name in ("DESIGN", "RULES")),
    "STACK" + "-NOTES",
    f"../{_BESIDE}",
    f"/work/{_BESIDE}",
)
OUTSIDE_POINTER = re.compile("|".join(re.escape(name) for name in OUTSIDE_NAMES))
# Tracked files the pointer scan skips: written by tools (the TypeScript client is generated from the
# gateway's OpenAPI document, whose sources are scanned), lock files, and the reference's data.
NOT_WRITTEN_HERE = ("clients/typescript/openapi.json", "clients/typescript/src/client/", "tests/reference/")
LOCK_FILES = frozenset({"uv.lock", "package-lock.json"})


def outside_pointers(text: str, where: str) -> list[str]:
    """``where:line`` of each line of ``text`` that points outside the repository."""
    return [f"{where}:{number}" for number, line in enumerate(text.splitlines(), 1) if OUTSIDE_POINTER.search(line)]


def tracked_text_files(root: Path = ROOT) -> Iterator[tuple[str, str]]:
    """``(path, text)`` of every tracked text file the pointer scan reads (binary files skipped)."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    for where in sorted(listing.decode().split("\0")):
        skipped = where.startswith(NOT_WRITTEN_HERE) or Path(where).name in LOCK_FILES
        if not where or skipped or not (root / where).is_file():
            continue
        data = (root / where).read_bytes()
        if b"\0" not in data:
            yield where, data.decode("utf-8", errors="replace")


def test_no_tracked_file_points_outside_the_repository() -> None:
    files = dict(tracked_text_files())
    assert "README.md" in files and "docs/decisions.md" in files, "the scan must see the repository's files"
    found = [place for where, text in files.items() for place in outside_pointers(text, where)]
    assert found == [], "comments, docstrings and docs must say it in the project's words (docs/)"


def test_outside_pointers_are_found_on_their_lines() -> None:
    design, rules, notes, beside, absolute = OUTSIDE_NAMES
    text = f"ok\n# see {design}\n{rules}, {notes}.md\n{beside}/x and {absolute}/y\ndocs/decisions.md\n"
    assert outside_pointers(text, "m.py") == ["m.py:2", "m.py:3", "m.py:4"]
