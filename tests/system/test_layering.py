"""Module layering (docs/style.md §2): every `#include "<module>/..."` in a module's sources must name the module
itself or one of its declared dependencies (transitively), as written in its rc_module(... DEPS ...).
This catches header-only upward dependencies that a link error would not. A module's folder may sit
inside another's (data/pipeline is the module `pipeline`): a file or an include path belongs to the
module with the longest matching folder, so data including "data/pipeline/..." is data using pipeline."""
from __future__ import annotations

import re
import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import module_graph  # noqa: E402  (scripts/module_graph.py: the parsing of the build files, shared with the README)

SRC = REPO / "backend" / "src"
INCLUDE = re.compile(r'^#include "([^"]+)"', re.M)


def folder_prefixes(dirs):
    """Module -> its folder relative to backend/src ("data/pipeline"), longest first."""
    prefixes = {name: path.relative_to(SRC).as_posix() for name, path in dirs.items()}
    return sorted(prefixes.items(), key=lambda item: -len(item[1]))


def owner(relative_path, prefixes):
    """The module whose folder holds `relative_path` (a path under backend/src), or None."""
    for name, prefix in prefixes:
        if relative_path == prefix or relative_path.startswith(prefix + "/"):
            return name
    return None


def closure(deps, name, seen=None):
    seen = set() if seen is None else seen
    for dep in deps.get(name, ()):
        if dep not in seen:
            seen.add(dep)
            closure(deps, dep, seen)
    return seen


def layering_violations(deps, dirs, sources):
    """`sources`: (path relative to backend/src, text) pairs. Returns one line per include that
    names a module the including file's module may not use."""
    deps = module_graph.expand(deps)
    prefixes = folder_prefixes({name: path for name, path in dirs.items() if name in deps})
    violations = []
    for rel, text in sources:
        name = owner(rel, prefixes)
        if name is None:
            continue
        allowed = closure(deps, name) | {name}
        for inc in INCLUDE.findall(text):
            used = owner(inc, prefixes)
            if used is not None and used not in allowed:
                violations.append(f"backend/src/{rel} ({name}) includes {inc}: module {used} "
                                  f"(allowed: {sorted(allowed)})")
    return violations


def sources_of(dirs):
    for path in dirs.values():
        for source in sorted(list(path.rglob("*.h")) + list(path.rglob("*.cc"))):
            yield source.relative_to(SRC).as_posix(), source.read_text()


def test_includes_respect_declared_dependencies():
    deps = module_graph.declared_deps()
    dirs = module_graph.module_dirs()
    assert {"core", "monitoring", "lake", "data", "features", "pipeline", "regime", "ml", "serving",
            "scheduler", "server", "cli"} <= set(deps)
    assert deps["monitoring"] == {"core"}, "monitoring uses only core (docs/architecture.md §2)"
    assert dirs["pipeline"] == SRC / "data" / "pipeline"
    sources = list(sources_of(dirs))
    assert any(rel.startswith("data/pipeline/") for rel, _ in sources)
    violations = layering_violations(deps, dirs, sources)
    assert not violations, "\n".join(violations)


def test_declared_graph_has_no_cycle():
    order = module_graph.module_order()
    layer = module_graph.layers(module_graph.declared_deps())
    # backend/CMakeLists.txt adds modules in RC_MODULES order: each after all it depends on.
    for name, deps in module_graph.expand(module_graph.declared_deps()).items():
        for dep in deps:
            assert order.index(dep) < order.index(name), f"RC_MODULES lists {name} before its dependency {dep}"
            assert layer[dep] < layer[name]


def test_data_including_pipeline_is_a_violation():
    # The cycle the pipeline folder invites: data/ may not reach up into data/pipeline/, while
    # pipeline may use data. Both directions judged by the longest matching module folder.
    deps = module_graph.declared_deps()
    dirs = module_graph.module_dirs()
    upward = [("data/providers/replay_provider.cc", '#include "data/pipeline/lake_rows.h"\n')]
    downward = [("data/pipeline/demo.cc", '#include "data/providers/provider.h"\n')]
    violations = layering_violations(deps, dirs, upward)
    assert len(violations) == 1 and "(data) includes data/pipeline/lake_rows.h: module pipeline" in violations[0]
    assert layering_violations(deps, dirs, downward) == []


def test_a_dependency_cycle_is_reported():
    deps = {"core": set(), "data": {"core", "pipeline"}, "pipeline": {"core", "data"}}
    with pytest.raises(ValueError, match="cycle: (data -> pipeline -> data|pipeline -> data -> pipeline)"):
        module_graph.layers(deps)
