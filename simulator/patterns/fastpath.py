"""Specialised matchers: each pattern compiled to straight-line Python for the regular case.

Most events reach a pattern's fields through plain nested objects with one scalar at the end.
For those, a branch is decided by a few ``dict.get`` calls and one set lookup per field, most
selective field first (``matcher._rank``).  The generated code hands the event to the general
matcher (``BranchMatcher.matches``) as soon as anything is irregular: an array on the way, a
non-dict mapping, or an event key that spells part of the path with dots (``"detail.eventName"``),
which could supply another value for the same path (semantics.md §1.2).  So the fast path only
ever answers when the general matcher would answer the same, and a property test checks it.

A regular field has exactly one value (or none), so a failed test is final, and with no arrays
there is nothing for array consistency to reject.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from simulator.patterns import operators as ops
from simulator.patterns.matcher import BranchMatcher, FieldTest

SCALARS = frozenset({str, int, float, bool, type(None), ops.NumberText})
_MISSING = object()


def _field_code(index: int, field: FieldTest, namespace: dict[str, Any]) -> list[str]:
    """Lines (indented for the function body) that decide one field or defer to SLOW."""
    absent = "pass" if field.absent_ok else "return False"
    exact = bool(field.elements) and all(type(e) is ops.ExactString for e in field.elements)
    if exact:
        namespace[f"S{index}"] = frozenset(e.value for e in field.elements)  # type: ignore[attr-defined]
        string_test = f"if v not in S{index}: return False"
    else:
        namespace[f"A{index}"] = field.accepts
        string_test = f"if not A{index}(v): return False"
    lines: list[str] = []
    node, depth = "ev", 0
    segments = field.segments
    for level, segment in enumerate(segments):
        pad = "    " * (depth + 1)
        for alternative, _ in field.keys[level][1:]:
            lines.append(f"{pad}if {alternative!r} in {node}: return SLOW(ev)")
        if level == len(segments) - 1:
            lines += _leaf_lines(pad, node, segment, string_test, index, absent)
            break
        child = f"n{index}_{level}"
        lines += [
            f"{pad}{child} = {node}.get({segment!r}, M)",
            f"{pad}if type({child}) is not dict:",
            f"{pad}    if {child} is M or type({child}) in SCALARS: {absent}",
            f"{pad}    else: return SLOW(ev)",
            f"{pad}else:",
        ]
        node, depth = child, depth + 1
    return lines


def _leaf_lines(
    pad: str, node: str, segment: str, string_test: str, index: int, absent: str
) -> list[str]:
    return [
        f"{pad}v = {node}.get({segment!r}, M)",
        f"{pad}t = type(v)",
        f"{pad}if t is str:",
        f"{pad}    {string_test}",
        f"{pad}elif v is M or t is dict: {absent}",
        f"{pad}elif t in SCALARS:",
        f"{pad}    if not A{index}(v): return False",
        f"{pad}else: return SLOW(ev)",
    ]


def _branch_function(
    branch: BranchMatcher, slow: Callable[[object], bool], name: str
) -> Callable[[object], bool]:
    namespace: dict[str, Any] = {
        "M": _MISSING,
        "SCALARS": SCALARS,
        "SLOW": slow,
        "type": type,
        "dict": dict,
        "str": str,
    }
    body = ["    if type(ev) is not dict: return SLOW(ev)"]
    for index, field in enumerate(branch.fields):
        namespace[f"A{index}"] = field.accepts
        body += _field_code(index, field, namespace)
    body.append("    return True")
    # Bind every name as a default argument: locals are faster than globals on the hot path.
    bound = ", ".join(f"{key}={key}" for key in sorted(namespace))
    source = f"def {name}(ev, {bound}):\n" + "\n".join(body) + "\n"
    exec(compile(source, f"<trailsim pattern {name}>", "exec"), namespace)
    function: Callable[[object], bool] = namespace[name]
    return function


def build_fast_matcher(
    branches: Sequence[BranchMatcher], prepare: Callable[[object], object]
) -> Callable[[object], bool]:
    """A function ``event -> bool`` equivalent to ``any(b.matches(prepare(event)) ...)``.

    ``prepare`` turns event text into an event (and leaves objects alone); it runs only when the
    event is not a plain ``dict``.
    """
    if len(branches) == 1:
        branch = branches[0]

        def slow(event: object) -> bool:
            return branch.matches(prepare(event) if type(event) is not dict else event)

        return _branch_function(branch, slow, "branch_0")
    functions = tuple(
        _branch_function(branch, branch.matches, f"branch_{i}") for i, branch in enumerate(branches)
    )

    def any_branch(event: object) -> bool:
        if type(event) is not dict:
            event = prepare(event)
        for match in functions:  # noqa: SIM110 - no generator per event on the hot path
            if match(event):
                return True
        return False

    return any_branch
