"""Module layering (docs/style.md §2): every `#include "<module>/..."` in a module's sources must name the module
itself or one of its declared dependencies (transitively), as written in its rc_module(... DEPS ...).
This catches header-only upward dependencies that a link error would not."""
from __future__ import annotations

import re

from conftest import REPO

SRC = REPO / "backend" / "src"
MODULE_DIRS = {"pipeline": SRC / "data" / "pipeline"}


def module_dir(name):
    return MODULE_DIRS.get(name, SRC / name)


def declared_deps():
    deps = {}
    for cmake in SRC.rglob("CMakeLists.txt"):
        text = cmake.read_text()
        m = re.search(r"rc_module\(\s*(\w+)(.*?)\)\s*$", text, re.S | re.M)
        if not m:
            continue
        name, body = m.group(1), m.group(2)
        d = re.search(r"DEPS\s+([^\n]*)", body)
        values = d.group(1).split() if d else []
        deps[name] = {v for v in values if not v.startswith("$")}
    return deps


def closure(deps, name, seen=None):
    seen = set() if seen is None else seen
    for dep in deps.get(name, ()):
        if dep not in seen:
            seen.add(dep)
            closure(deps, dep, seen)
    return seen


def test_includes_respect_declared_dependencies():
    deps = declared_deps()
    assert {"core", "monitoring", "lake", "data", "features", "pipeline", "regime", "ml", "serving",
            "server"} <= set(deps)
    assert deps["monitoring"] == {"core"}, "monitoring uses only core (docs/architecture.md §2)"
    modules = set(deps) | {"cli"}
    violations = []
    for name in deps:
        if name == "cli":
            continue  # the top layer: it links every module (DEPS computed in its CMakeLists)
        allowed = closure(deps, name) | {name}
        root = module_dir(name)
        for path in list(root.rglob("*.h")) + list(root.rglob("*.cc")):
            if name == "data" and "pipeline" in path.relative_to(root).parts:
                continue  # the pipeline folder is its own module
            for inc in re.findall(r'^#include "([a-z_]+)/', path.read_text(), re.M):
                if inc in modules and inc not in allowed:
                    violations.append(f"{path.relative_to(REPO)} includes {inc}/ (allowed: {sorted(allowed)})")
    assert not violations, "\n".join(violations)
