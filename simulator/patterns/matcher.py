"""Match compiled branches against events, and say why not.

Semantics (semantics.md §1): every field of a branch must match (AND), any element of a leaf may
(OR), any branch of the pattern may (``$or``).  Event paths are the dot-joined keys, so an event
key ``"a.b"`` and nested keys ``a`` → ``b`` reach the same path (§1.2); arrays are transparent at
any depth and an empty array contributes no value (§1.3).  A leaf never matches an object.

**Array consistency** (§5.1, not recorded against AWS; we follow aws/event-ruler
``GenericMachine.rulesForJSONEvent`` / ``ArrayMembership`` / ``Event.traverseArray``): the values
chosen for the fields of one branch must come from the *same element* of every array of objects
(or of arrays) they share; a scalar array element does not pin its array's index.  So
``{"d":{"a":["x"],"b":["y"]}}`` does not match ``{"d":[{"a":"x"},{"b":"y"}]}``.  ``exists: false``
is decided on the whole event: the path must have no scalar anywhere (§5.1, §5.3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.patterns import operators as ops

Membership = tuple[tuple[int, int], ...]


class _Missing:
    """The actual value of a field the event does not have."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Mismatch:
    """Why one field of a pattern did not match: its path, operator, expected and actual values.

    ``actual`` is MISSING when the event has no value there, the single value when it has one, or
    the list of values found (arrays unrolled).
    """

    path: str
    operator: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        actual = "missing" if self.actual is MISSING else ops.dumps(self.actual)
        return f"{self.path}: expected {self.operator} {ops.dumps(self.expected)}, got {actual}"


class FieldTest:
    """One path of a branch and its leaf, ready to collect and test event values."""

    __slots__ = ("absent_ok", "elements", "keys", "leaf", "operator", "path", "segments")

    def __init__(self, path: str, leaf: Sequence[ops.Element]) -> None:
        self.path, self.leaf = path, tuple(leaf)
        self.segments = tuple(path.split("."))
        count = len(self.segments)
        # keys[i]: the event keys that can consume segments[i:j], with j, for dotted event keys.
        self.keys = tuple(
            tuple((".".join(self.segments[i:j]), j) for j in range(i + 1, count + 1))
            for i in range(count)
        )
        self.absent_ok = any(isinstance(e, ops.Exists) and not e.present for e in leaf)
        self.elements = tuple(e for e in leaf if not (isinstance(e, ops.Exists) and not e.present))
        self.operator = leaf[0].operator if len(leaf) == 1 else "any-of"

    @property
    def expected(self) -> list[Any]:
        return [element.expected for element in self.leaf]

    def accepts(self, value: object) -> bool:
        for element in self.elements:  # noqa: SIM110 - hot path, no generator
            if element.accepts(value):
                return True
        return False

    def values(self, event: object) -> list[tuple[object, Membership]]:
        out: list[tuple[object, Membership]] = []
        self._walk(event, 0, (), out)
        return out

    def _walk(
        self, node: object, index: int, member: Membership, out: list[tuple[object, Membership]]
    ) -> None:
        if isinstance(node, (list, tuple)):
            # event-ruler (Event.traverseArray) records the element index only for elements that
            # are objects or arrays; a scalar element carries no membership of its own array.
            array = id(node)
            for position, item in enumerate(node):
                if isinstance(item, (Mapping, list, tuple)):
                    self._walk(item, index, (*member, (array, position)), out)
                else:
                    self._walk(item, index, member, out)
            return
        is_object = isinstance(node, Mapping)
        if index == len(self.segments):
            if not is_object:
                out.append((node, member))
            return
        if not is_object:
            return
        for key, following in self.keys[index]:
            if key in node:  # type: ignore[operator]
                self._walk(node[key], following, member, out)  # type: ignore[index]

    def mismatch(self, found: list[tuple[object, Membership]]) -> Mismatch:
        actual: Any = MISSING
        if found:
            actual = found[0][0] if len(found) == 1 else [value for value, _ in found]
        return Mismatch(self.path, self.operator, self.expected, actual)


def _rank(field: FieldTest) -> tuple[int, int, str]:
    """Order fields so the most selective is tested first: exact strings, then the rest."""
    exact = all(isinstance(e, ops.ExactString) for e in field.leaf)
    preferred = 0 if field.path.endswith("eventName") else 1
    return (0 if exact else 1 if not field.absent_ok else 2, preferred, field.path)


class BranchMatcher:
    """All fields of one ``$or`` branch."""

    __slots__ = ("fields",)

    def __init__(self, branch: Mapping[str, Sequence[ops.Element]]) -> None:
        self.fields = tuple(sorted((FieldTest(p, leaf) for p, leaf in branch.items()), key=_rank))

    def matches(self, event: object) -> bool:
        choices: list[list[Membership]] = []
        for field in self.fields:
            found = field.values(event)
            if not found:
                if field.absent_ok:
                    continue
                return False
            accepted = [member for value, member in found if field.accepts(value)]
            if not accepted:
                return False
            choices.append(accepted)
        return consistent(choices)

    def explain(self, event: object) -> list[Mismatch]:
        problems: list[Mismatch] = []
        choices: list[list[Membership]] = []
        chosen: list[FieldTest] = []
        for field in self.fields:
            found = field.values(event)
            if not found:
                if not field.absent_ok:
                    problems.append(field.mismatch(found))
                continue
            accepted = [member for value, member in found if field.accepts(value)]
            if not accepted:
                problems.append(field.mismatch(found))
            else:
                choices.append(accepted)
                chosen.append(field)
        if not problems and not consistent(choices):
            problems.append(_inconsistent(chosen))
        return problems


def _inconsistent(fields: list[FieldTest]) -> Mismatch:
    paths = [field.path for field in fields]
    expected = {field.path: field.expected for field in fields}
    return Mismatch(", ".join(paths), "same-array-element", expected, "in different array elements")


def consistent(choices: list[list[Membership]]) -> bool:
    """Can one value per field be chosen so that shared arrays agree on the element index?"""
    # A field with a value outside every array of objects never conflicts: drop it.
    constrained = [options for options in choices if () not in options]
    if len(constrained) <= 1:
        return True
    return _search([list(dict.fromkeys(options)) for options in constrained], 0, {})


def _search(choices: list[list[Membership]], index: int, assigned: dict[int, int]) -> bool:
    if index == len(choices):
        return True
    for member in choices[index]:
        if all(assigned.get(array, position) == position for array, position in member):
            merged = dict(assigned)
            merged.update(member)
            if _search(choices, index + 1, merged):
                return True
    return False
