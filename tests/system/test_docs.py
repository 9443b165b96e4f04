"""Documentation that is generated from the code must stay in sync with it, and every doc a
comment or README names must be a file of this repository."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO, run_cli

sys.path.insert(0, str(REPO / "scripts"))
import module_graph  # noqa: E402  (scripts/module_graph.py: the graph declared in the build files)

# Text files whose comments and prose may name docs (lock files, fixtures and generated
# API descriptions hold no references of ours).
SCANNED_SUFFIXES = {".md", ".h", ".cc", ".py", ".ts", ".mjs", ".vue", ".cmake", ".txt", ".thrift", ".toml",
                    ".yml", ".yaml", ".sh", ""}
SELF = REPO / "tests" / "system" / "test_docs.py"  # its probes name missing docs on purpose
SKIPPED_PARTS = {"node_modules", ".output", ".nuxt", "fixtures", "build"}
# A doc named by path (`docs/architecture.md`, `../shared/design/formats.md`, `README.md`).
MD_PATH = re.compile(r"(?<![\w/.-])((?:\.{1,2}/)?[\w./-]*\w\.md)\b")
# The design references that once lived outside the repository, named without a path.
DESIGN_NAME = re.compile(r"\b(ARCHITECTURE|STYLE)\b")


def repository_files():
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout
        paths = [REPO / line for line in out.splitlines() if line]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk the tree
        paths = [p for p in REPO.rglob("*") if p.is_file()]
    for path in paths:
        rel = path.relative_to(REPO)
        if set(rel.parts) & SKIPPED_PARTS or rel.parts[0].startswith("."):
            continue
        if path.suffix in SCANNED_SUFFIXES and path.is_file() and path != SELF:
            yield path


def doc_exists(source, name):
    """A path is resolved as its reader would: beside the file that names it, from the repository
    root, as an include-style path under backend/src, or a bare name in docs/. Nothing outside the repository counts."""
    for base in (source.parent, REPO, REPO / "backend" / "src", REPO / "docs"):
        candidate = (base / name).resolve()
        if candidate.is_file() and candidate.is_relative_to(REPO):
            return True
    return False


def dangling_doc_references(path, text):
    """What `text`, read as the content of `path`, names that is not in the repository."""
    problems = []
    for lineno, line in enumerate(text.splitlines(), 1):
        where = f"{path.relative_to(REPO)}:{lineno}"
        for name in MD_PATH.findall(line):
            if not doc_exists(path, name):
                problems.append(f"{where} names {name}, which is not in the repository")
        for name in DESIGN_NAME.findall(line):
            problems.append(f"{where} cites {name}, a design doc outside the repository "
                            "(cite docs/architecture.md, docs/style.md or docs/formats.md)")
    return problems


def test_every_named_doc_is_in_the_repository():
    files = list(repository_files())
    assert any(p.name == "README.md" for p in files) and any(p.suffix == ".h" for p in files)
    problems = []
    for path in files:
        try:
            problems += dangling_doc_references(path, path.read_text())
        except UnicodeDecodeError:
            continue
    assert not problems, "\n".join(problems)


def test_dangling_doc_references_are_caught():
    # The checker itself: a comment naming a missing doc, a doc outside the repository or the
    # old design names fails; one naming an existing doc (repository or relative path) passes.
    header = REPO / "backend" / "src" / "lake" / "delta" / "probe.h"
    text = ("// see docs/architecture.md §2, lake/README.md and ../parquet/README.md\n"
            "// see docs/nowhere.md and ../shared/design/formats.md\n"
            "// (ARCHITECTURE §4, STYLE 11)\n")
    problems = "\n".join(dangling_doc_references(header, text))
    assert "probe.h:2 names docs/nowhere.md" in problems
    assert "probe.h:2 names ../shared/design/formats.md" in problems
    assert "probe.h:3 cites ARCHITECTURE" in problems and "probe.h:3 cites STYLE" in problems
    assert "probe.h:1" not in problems


def test_readme_settings_table_matches_the_binary(rc_binary):
    table = run_cli(rc_binary, "config", "--markdown-table").stdout
    readme = (REPO / "README.md").read_text()
    assert table in readme, "README settings table is stale: regenerate with `regimecast config --markdown-table`"


def test_readme_dependency_graph_matches_the_build_files():
    expected = module_graph.render(module_graph.declared_deps(), module_graph.module_order())
    current = module_graph.readme_block((REPO / "README.md").read_text())
    assert current is not None, "README.md lost its module-graph block"
    assert current == expected, "README dependency graph is stale: run scripts/module_graph.py --write"


DEPENDS_ON = re.compile(r"Depends on (.*?)\.(?:\s|$)", re.S)


def readme_dependencies(text, modules):
    """The modules a README's first "Depends on ..." sentence names (EVERY_MODULE for "every other
    module"), or None when it has no such sentence."""
    m = DEPENDS_ON.search(text)
    if not m:
        return None
    sentence = m.group(1)
    if "every other module" in sentence:
        return {module_graph.EVERY_MODULE}
    return {word for word in re.findall(r"[a-z_]+", sentence) if word in modules}


def test_module_readmes_state_their_declared_dependencies():
    deps = module_graph.declared_deps()
    wrong = []
    for name, folder in module_graph.module_dirs().items():
        if name not in deps:
            continue
        readme = folder / "README.md"
        if not readme.is_file():
            wrong.append(f"{name}: no {readme.relative_to(REPO)}")
            continue
        stated = readme_dependencies(readme.read_text(), set(deps))
        if stated != deps[name]:
            wrong.append(f"{readme.relative_to(REPO)} says it depends on {sorted(stated or [])}, "
                         f"its CMakeLists.txt declares {sorted(deps[name])}")
    assert not wrong, "\n".join(wrong)


def test_readme_dependency_sentence_is_read_as_written():
    modules = {"core", "monitoring", "lake", "data", "features", "regime"}
    assert readme_dependencies("x\n\nDepends on core, monitoring and regime. XGBoost is ...", modules) == \
        {"core", "monitoring", "regime"}
    assert readme_dependencies("Depends on `core`\nand `monitoring`. The pipeline adds `lake`.", modules) == \
        {"core", "monitoring"}
    assert readme_dependencies("Depends on no other module.", modules) == set()
    assert readme_dependencies("no such sentence", modules) is None


def test_readme_shows_the_two_commands():
    readme = (REPO / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
