"""Imports point down only (design/style.md, "Layers").

cli, pytest_plugin               wiring
aws, slack, replay, local        boto3, slack_sdk, files and S3, the WSGI gateway
events, patterns, schemas        pure: no trailsim imports but errors (and each other's data)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import simulator

PACKAGE_DIR = Path(simulator.__file__).parent

LAYER = {
    "errors": 0,
    "events": 1,
    "patterns": 1,
    "schemas": 1,
    "strategies": 1,
    "policies": 1,
    "aws": 2,
    "slack": 2,
    "replay": 2,
    "local": 2,
    "cli": 3,
    "pytest_plugin": 3,
    "__main__": 3,
    "__init__": 3,
}
# The pure layer may lean on its siblings only for data, never on anything with I/O:
# events validates with schemas; strategies builds on events.
PURE_ALLOWED = {
    "events": {"schemas"},
    "strategies": {"events", "schemas"},
    "patterns": set(),
    "schemas": set(),
    "policies": set(),
}
# A package may use a sibling in its own layer through a named seam (no cycles).
SEAMS = {
    ("local", "slack"),
    ("aws", "slack"),
    ("aws", "local"),
    ("replay", "aws"),
    ("replay", "local"),
}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("simulator.")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simulator."):
            found.add(node.module or "")
    return found


def _modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE_DIR.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE_DIR
    )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_imports_point_down(path: Path) -> None:
    rel = path.relative_to(PACKAGE_DIR).with_suffix("")
    here = rel.parts[0]
    for target in _imports(path):
        there = _area(target)
        if there == here or there == "errors":
            continue
        if LAYER[here] == 1:
            assert there in PURE_ALLOWED[here], f"{rel} (pure) imports {target}"
        elif LAYER[here] == 2 and LAYER[there] == 2:
            assert (here, there) in SEAMS, f"{rel} imports sibling {target} outside a seam"
        else:
            # wiring (layer 3) may use other wiring: __main__ runs cli
            limit = LAYER[here] if LAYER[here] == 3 else LAYER[here] - 1
            assert LAYER[there] <= limit, f"{rel} imports {target}, which is above it"
