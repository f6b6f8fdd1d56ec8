"""Field overrides for generated records: ``eventName="X"``, ``**{"userIdentity.userName": "y"}``.

Semantics (documented in the generators): each key is a path into the CloudTrail record, split
on ``.`` or ``__`` (``requestParameters__userName`` works as a Python keyword).  The value
replaces the field (intermediate objects are created when missing; a ``null`` intermediate is
replaced by an object).  The value :data:`DELETE` removes the field.  ``None`` sets JSON null.
Overrides apply last, after every derived value, so nothing re-derives from them; the envelope
built afterwards does follow ``recipientAccountId``, ``awsRegion``, ``eventTime`` and
``eventSource``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from simulator.errors import ScenarioError


class _Delete:
    """Sentinel: remove the field instead of setting it."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE: Final = _Delete()


def split_path(key: str) -> list[str]:
    parts = key.replace("__", ".").split(".")
    if not all(parts):
        raise ScenarioError("override", key, "is not a field path such as 'userIdentity.userName'")
    return parts


def apply_overrides(record: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with ``overrides`` applied in order (mutates and returns it)."""
    for key, value in overrides.items():
        parts = split_path(key)
        node = record
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if value is DELETE:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = copy.deepcopy(value)
    return record
