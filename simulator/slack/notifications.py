"""Chatbot custom notifications: the model, its validation, and an InputTransformer that builds one.

The schema is AWS's (delivery-path.md §1.4, Chatbot admin guide "Custom notifications")::

    {"version": "1.0", "source": "custom", "id": "...",
     "content": {"textType": "client-markdown", "title": "...", "description": "...",
                 "nextSteps": ["..."], "keywords": ["..."]},
     "metadata": {"threadId": "...", "summary": "...", "eventType": "...",
                  "relatedResources": ["..."], "additionalContext": {"k": "v"}}}

Required: ``version`` = "1.0", ``source`` = "custom", ``content.description``.  Chatbot drops
anything else silently; :func:`notification_problems` says why, naming the JSON path.

**Time zones.** :func:`chatbot_input_transformer` builds an EventBridge InputTransformer whose
output is such a notification for a CreateAccessKey event.  An InputTransformer only copies
strings out of the event (delivery-path.md §1.5-1.6): it cannot add hours to ``detail.eventTime``,
and Slack's ``<!date^epoch^…>`` token, which Slack would localise, needs epoch seconds that the
event does not carry.  So the message states the event time **as UTC, labelled UTC**.  For a
viewer zone other than UTC the generator adds one static line, computed here in Python when the
transformer is generated (never per event), naming the zone's offset: "UTC+09:00 all year" for a
zone without DST such as Asia/Tokyo, or the range of offsets for a zone with DST.  The reader does
the arithmetic; to show local time itself, put a formatter (e.g. a Lambda target that publishes
the notification) between the rule and the topic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from simulator.errors import ConfigError, SimulatorError

__all__ = [
    "CustomNotification",
    "NotificationError",
    "NotificationMetadata",
    "chatbot_input_transformer",
    "notification_problems",
    "parse_custom_notification",
    "zone_offset_note",
]


class NotificationError(SimulatorError, ValueError):
    """Raised when a document is not a Chatbot custom notification; names the JSON path."""

    def __init__(self, path: str, problem: str) -> None:
        self.path, self.problem = path, problem
        super().__init__(f"not a Chatbot custom notification: {path}: {problem}")

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.path, self.problem)


@dataclass(frozen=True, slots=True)
class NotificationMetadata:
    thread_id: str | None = None
    summary: str | None = None
    event_type: str | None = None
    related_resources: tuple[str, ...] = ()
    additional_context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CustomNotification:
    """A valid custom notification; :meth:`to_json` gives the document Chatbot accepts."""

    description: str
    title: str | None = None
    text_type: str = "client-markdown"
    next_steps: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    id: str | None = None
    metadata: NotificationMetadata | None = None

    def to_json(self) -> dict[str, Any]:
        content: dict[str, Any] = {"textType": self.text_type, "description": self.description}
        _put(content, "title", self.title)
        _put(content, "nextSteps", list(self.next_steps))
        _put(content, "keywords", list(self.keywords))
        doc: dict[str, Any] = {"version": "1.0", "source": "custom"}
        _put(doc, "id", self.id)
        doc["content"] = content
        if self.metadata is not None:
            doc["metadata"] = _metadata_json(self.metadata)
        return doc


def _put(target: dict[str, Any], key: str, value: object) -> None:
    if value:
        target[key] = value


def _metadata_json(meta: NotificationMetadata) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "threadId", meta.thread_id)
    _put(out, "summary", meta.summary)
    _put(out, "eventType", meta.event_type)
    _put(out, "relatedResources", list(meta.related_resources))
    _put(out, "additionalContext", dict(meta.additional_context))
    return out


# ---- validation ------------------------------------------------------------------------------
_CONTENT_STRINGS = ("title", "description")
_CONTENT_LISTS = ("nextSteps", "keywords")
_META_STRINGS = ("threadId", "summary", "eventType")


def notification_problems(document: object) -> list[tuple[str, str]]:
    """Every reason Chatbot would drop ``document``, as ``(json_path, problem)``; [] if valid."""
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except ValueError as err:
            return [("$", f"is not JSON ({err.args[0]})")]
    if not isinstance(document, Mapping):
        return [("$", f"must be a JSON object, got {_kind(document)}")]
    problems: list[tuple[str, str]] = []
    if document.get("version") != "1.0":
        problems.append(("$.version", f'must be "1.0", got {_shown(document.get("version"))}'))
    if document.get("source") != "custom":
        problems.append(("$.source", f'must be "custom", got {_shown(document.get("source"))}'))
    if "id" in document and not isinstance(document["id"], str):
        problems.append(("$.id", f"must be a string, got {_kind(document['id'])}"))
    problems += _content_problems(document.get("content"))
    if "metadata" in document:
        problems += _metadata_problems(document["metadata"])
    return problems


def _content_problems(content: object) -> list[tuple[str, str]]:
    if not isinstance(content, Mapping):
        return [("$.content", f"must be an object with a description, got {_shown(content)}")]
    problems = _strings(content, "$.content", _CONTENT_STRINGS)
    description = content.get("description")
    if description is None or (isinstance(description, str) and not description.strip()):
        problems.append(("$.content.description", "is required and must be a non-empty string"))
    if content.get("textType", "client-markdown") != "client-markdown":
        text_type = _shown(content.get("textType"))
        problems.append(("$.content.textType", f'must be "client-markdown", got {text_type}'))
    return problems + _string_lists(content, "$.content", _CONTENT_LISTS)


def _metadata_problems(meta: object) -> list[tuple[str, str]]:
    if not isinstance(meta, Mapping):
        return [("$.metadata", f"must be an object, got {_kind(meta)}")]
    problems = _strings(meta, "$.metadata", _META_STRINGS)
    problems += _string_lists(meta, "$.metadata", ("relatedResources",))
    context = meta.get("additionalContext", {})
    if not isinstance(context, Mapping):
        problems.append(
            ("$.metadata.additionalContext", f"must be an object, got {_kind(context)}")
        )
    else:
        problems += [
            (f"$.metadata.additionalContext.{k}", f"must be a string, got {_kind(v)}")
            for k, v in context.items()
            if not isinstance(v, str)
        ]
    return problems


def _strings(obj: Mapping[str, Any], base: str, keys: Sequence[str]) -> list[tuple[str, str]]:
    return [
        (f"{base}.{k}", f"must be a string, got {_kind(obj[k])}")
        for k in keys
        if k in obj and not isinstance(obj[k], str)
    ]


def _string_lists(obj: Mapping[str, Any], base: str, keys: Sequence[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for key in (k for k in keys if k in obj):
        value = obj[key]
        if not isinstance(value, list):
            problems.append((f"{base}.{key}", f"must be a list of strings, got {_kind(value)}"))
            continue
        problems += [
            (f"{base}.{key}[{i}]", f"must be a string, got {_kind(item)}")
            for i, item in enumerate(value)
            if not isinstance(item, str)
        ]
    return problems


def _kind(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _shown(value: object) -> str:
    return "nothing" if value is None else json.dumps(value)[:60]


def parse_custom_notification(document: object) -> CustomNotification:
    """Parse a custom notification (text or parsed JSON); raise NotificationError if invalid."""
    if isinstance(document, str | bytes):
        problems = notification_problems(document)
        if problems:
            raise NotificationError(*problems[0])
        document = json.loads(document)
    problems = notification_problems(document)
    if problems:
        raise NotificationError(*problems[0])
    assert isinstance(document, Mapping)
    content, meta = document["content"], document.get("metadata")
    return CustomNotification(
        description=content["description"],
        title=content.get("title"),
        next_steps=tuple(content.get("nextSteps", ())),
        keywords=tuple(content.get("keywords", ())),
        id=document.get("id"),
        metadata=None if meta is None else _parse_metadata(meta),
    )


def _parse_metadata(meta: Mapping[str, Any]) -> NotificationMetadata:
    return NotificationMetadata(
        thread_id=meta.get("threadId"),
        summary=meta.get("summary"),
        event_type=meta.get("eventType"),
        related_resources=tuple(meta.get("relatedResources", ())),
        additional_context=dict(meta.get("additionalContext", {})),
    )


# ---- the InputTransformer generator ------------------------------------------------------------
# A path absent from the event creates no variable, and nothing appears in its place
# (delivery-path.md §1.5).  So the title uses only paths every event has; the key's owner comes
# from responseElements.accessKey.userName, which names the caller when requestParameters is null
# (self-created keys; cloudtrail-anatomy.md), and a failed call (responseElements null) just
# leaves *Key* and *For user* empty.
_PATHS = {
    "id": "$.id",
    "time": "$.detail.eventTime",
    "account": "$.account",
    "region": "$.region",
    "event": "$.detail.eventName",
    "actor": "$.detail.userIdentity.arn",
    "target": "$.detail.responseElements.accessKey.userName",
    "keyId": "$.detail.responseElements.accessKey.accessKeyId",
    "ip": "$.detail.sourceIPAddress",
}


def zone_offset_note(viewer_tz: str) -> str:
    """A static note on how ``viewer_tz`` relates to UTC ("" for UTC); see the module docstring."""
    try:
        zone = ZoneInfo(viewer_tz)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigError("viewer_tz", viewer_tz, "an IANA time zone such as Asia/Tokyo") from err
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    offsets = sorted({_offset(zone, start + timedelta(days=d)) for d in range(0, 366, 7)})
    if offsets == [timedelta(0)]:
        return ""
    labels = [_label(o) for o in offsets]
    if len(labels) == 1:
        return f"{viewer_tz} is {labels[0]} all year: add the offset to read local time."
    return f"{viewer_tz} is {' or '.join(labels)} (daylight saving): add the offset for local time."


def _offset(zone: ZoneInfo, when: datetime) -> timedelta:
    return when.astimezone(zone).utcoffset() or timedelta(0)


def _label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def chatbot_input_transformer(viewer_tz: str = "UTC") -> dict[str, Any]:
    """An EventBridge InputTransformer turning a CreateAccessKey event into a custom notification.

    The event time is shown as UTC and labelled so; ``viewer_tz`` only adds a static note with its
    offset (module docstring).  Returns ``{"InputPathsMap": …, "InputTemplate": …}`` for PutTargets.
    """
    note = zone_offset_note(viewer_tz)
    description = "*Key*: <keyId>\n*For user*: <target>\n*By*: <actor>\n*From*: <ip>\n"
    description += "*When (UTC)*: <time>" + (f"\n_{note}_" if note else "")
    document = CustomNotification(
        title=":key: <event> in account <account>",
        description=description,
        keywords=("<account>", "<region>", "<event>"),
        id="<id>",
        # No threadId: replies in a thread never appear in conversations.history, so a threaded
        # alert is easy to miss, for people and for confirm_delivery (see slack/confirm.py).
        metadata=NotificationMetadata(
            summary="<event> in <account>",
            event_type="<event>",
            additional_context={"account": "<account>", "accessKeyId": "<keyId>"},
        ),
    ).to_json()
    # Every placeholder sits inside a JSON string, so the template is valid JSON as written and
    # EventBridge fills the strings in place (delivery-path.md §1.5, docs example 4).
    template = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return {"InputPathsMap": dict(_PATHS), "InputTemplate": template}
