"""The canonical form of a pattern: its cache key, what ``RuleSet`` indexes, and a fixpoint.

Paths are flattened to dotted keys and sorted, leaf values deduplicated and sorted by their JSON
text, and ``$or`` expanded into one flat list of distinct branches (semantics.md §1.2, §2.10).
Compiling the canonical text gives the same branches again, so ``canonical`` is a fixpoint.

Inside ``$or`` a field may not be named like an operator (``prefix``, ``exists`` …, event-ruler
``RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP``).  Such a field can only have come from outside every
``$or``, so it is the same in all branches and is written once, outside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from simulator.patterns import operators as ops
from simulator.patterns.compiler import RESERVED_IN_OR


def _leaf_text(leaf: Sequence[ops.Element]) -> str:
    return "[" + ",".join(sorted({element.canonical for element in leaf})) + "]"


def _object_text(fields: Mapping[str, str]) -> str:
    return "{" + ",".join(f"{ops.dumps(path)}:{fields[path]}" for path in sorted(fields)) + "}"


def canonical_text(branches: Sequence[Mapping[str, Sequence[ops.Element]]]) -> str:
    rendered = [{path: _leaf_text(leaf) for path, leaf in branch.items()} for branch in branches]
    unique = {_object_text(fields): fields for fields in rendered}
    if len(unique) == 1:
        return next(iter(unique))
    branch_fields = [unique[key] for key in sorted(unique)]
    outside = {
        path: text
        for path, text in branch_fields[0].items()
        if path in RESERVED_IN_OR and all(fields.get(path) == text for fields in branch_fields)
    }
    inside = [{p: t for p, t in fields.items() if p not in outside} for fields in branch_fields]
    if any(not fields for fields in inside):
        # One branch needs nothing beyond the shared fields: the $or always holds.
        return _object_text(outside)
    texts = sorted({_object_text(fields) for fields in inside})
    if len(texts) == 1:
        return _object_text({**outside, **inside[0]})
    return _object_text({**outside, "$or": "[" + ",".join(texts) + "]"})
