"""Render Slack messages the way AWS Chatbot posts them: Block Kit blocks plus fallback text.

* :func:`render_event` takes an unmodified EventBridge event.  "AWS API Call via CloudTrail"
  events get a card headed by the detail-type with the API action, the caller identity (type and
  ARN), the user the access key is for, the access key ID, account, region, event time (UTC, as
  Chatbot shows it), source IP and user agent (delivery-path.md §1.4).  Other AWS events get the
  bare card Chatbot is reported to post for types it has no formatter for (detail-type, source,
  account, region, time).  The exact layout of Chatbot's cards is [unconfirmed] in the research;
  the field set is what the issue asks for, and a live capture should replace it as a fixture.
* :func:`render_custom_notification` renders a custom notification as given: title, description
  (client-markdown is Slack mrkdwn, so it is passed through), next steps and keywords.
* :func:`render_sns_message` decides what Chatbot does with an SNS ``Message``: a post, or the
  reason it is dropped (delivery-path.md §1.4: anything but a complete EventBridge event from an
  AWS source or a valid custom notification is dropped).

Secrets never reach a message: only ``accessKeyId`` is read from ``responseElements``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.events import ENVELOPE_FIELDS
from simulator.slack.notifications import (
    CustomNotification,
    notification_problems,
    parse_custom_notification,
)

__all__ = [
    "ChatbotPost",
    "SlackMessage",
    "caller_summary",
    "render_custom_notification",
    "render_event",
    "render_sns_message",
]

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
_MAX_FIELD = 2000  # Block Kit: section field text ≤ 2000 chars, header ≤ 150, section text ≤ 3000
_MAX_HEADER = 150


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """A message ready for chat.postMessage: fallback ``text`` and Block Kit ``blocks``."""

    text: str
    blocks: tuple[dict[str, Any], ...]

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": [dict(b) for b in self.blocks]}


@dataclass(frozen=True, slots=True)
class ChatbotPost:
    """What Chatbot posts for one notification; same ``thread_id`` = same Slack thread."""

    message: SlackMessage
    thread_id: str | None = None


def render_sns_message(message: object) -> ChatbotPost | str:
    """What Chatbot makes of an SNS Message: a post, or why it drops the message."""
    if not isinstance(message, str):
        return "the notification has no Message"
    try:
        document = json.loads(message)
    except ValueError:
        return "Message is not JSON (plain text is not supported)"
    if not isinstance(document, dict):
        return f"Message is JSON but not an object ({type(document).__name__})"
    if document.get("source") == "custom" or "content" in document:
        problems = notification_problems(document)
        if problems:
            path, problem = problems[0]
            return f"not a valid custom notification: {path} {problem}"
        notification = parse_custom_notification(document)
        thread = notification.metadata.thread_id if notification.metadata else None
        return ChatbotPost(render_custom_notification(notification), thread)
    missing = [key for key in ENVELOPE_FIELDS if key not in document]
    if missing:
        return f"neither an EventBridge event nor a custom notification (missing {missing})"
    if not str(document["source"]).startswith("aws."):
        # Chatbot formats AWS service events; custom events need a custom notification.
        return f"EventBridge event from non-AWS source {document['source']!r} is not supported"
    return ChatbotPost(render_event(document))


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn and plain text: &, <, > (Slack formatting docs)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_event(event: Mapping[str, Any]) -> SlackMessage:
    """Render an EventBridge event; CloudTrail API calls get the detailed card."""
    if event.get("detail-type") == CLOUDTRAIL_DETAIL_TYPE:
        return _render_api_call(event)
    return _render_generic(event)


# ---- CloudTrail API calls ----------------------------------------------------------------------
def caller_summary(identity: Mapping[str, Any]) -> str:
    """Who made the call, in words, with the ARN: "IAM user alice (arn:…)"."""
    kind, arn = str(identity.get("type", "Unknown")), str(identity.get("arn", ""))
    issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
    if kind == "IAMUser":
        words = f"IAM user {identity.get('userName') or arn.rsplit('/', 1)[-1]}"
    elif kind == "AssumedRole":
        session = arn.rsplit("/", 1)[-1] if "/" in arn else ""
        words = f"Role {issuer.get('userName') or '?'}, session {session}"
    elif kind == "Root":
        words = "Root user of the account"
    elif kind == "AWSService":
        words = f"AWS service {identity.get('invokedBy', '?')}"
    elif kind == "FederatedUser":
        via = f", via IAM user {issuer['userName']}" if issuer.get("userName") else ""
        words = f"Federated user {arn.rsplit('/', 1)[-1]}{via}"
    else:
        words = kind
    return f"{words} ({arn})" if arn else words


def key_owner(detail: Mapping[str, Any]) -> str:
    """The user the key is for: requestParameters.userName, else the caller itself (IAM docs:
    CreateAccessKey without UserName acts on the signing identity)."""
    params = detail.get("requestParameters") or {}
    if params.get("userName"):
        return str(params["userName"])
    identity = detail.get("userIdentity") or {}
    if identity.get("type") == "Root":
        return "root (the caller's own key)"
    return f"{identity.get('userName') or identity.get('arn', '?')} (the caller's own key)"


def access_key_id(detail: Mapping[str, Any]) -> str:
    elements = detail.get("responseElements") or {}
    key = elements.get("accessKey") or {}
    return str(key.get("accessKeyId") or "—")


def _render_api_call(event: Mapping[str, Any]) -> SlackMessage:
    detail: Mapping[str, Any] = event.get("detail") or {}
    action = f"{_service(detail)}:{detail.get('eventName', '?')}"
    caller = caller_summary(detail.get("userIdentity") or {})
    fields = [
        ("API action", action),
        ("Caller", caller),
        ("Key for user", key_owner(detail)),
        ("Access key ID", access_key_id(detail)),
        ("Account", str(event.get("account", detail.get("recipientAccountId", "?")))),
        ("Region", str(event.get("region", detail.get("awsRegion", "?")))),
        ("Event time (UTC)", str(detail.get("eventTime", event.get("time", "?")))),
        ("Source IP", str(detail.get("sourceIPAddress", "?"))),
        ("User agent", str(detail.get("userAgent", "?"))),
    ]
    if detail.get("errorCode"):
        fields.append(("Error", f"{detail['errorCode']}: {detail.get('errorMessage', '')}"))
    blocks = (
        _header(CLOUDTRAIL_DETAIL_TYPE),
        _context(event),
        _section(f"*{escape(action)}* called by {escape(caller)}"),
        *_field_sections(fields),
    )
    fallback = f"{CLOUDTRAIL_DETAIL_TYPE}: " + " | ".join(f"{k}: {v}" for k, v in fields)
    return SlackMessage(text=escape(fallback), blocks=blocks)


def _service(detail: Mapping[str, Any]) -> str:
    return str(detail.get("eventSource", "?")).split(".", 1)[0]


def _render_generic(event: Mapping[str, Any]) -> SlackMessage:
    detail_type = str(event.get("detail-type", "?"))
    fields = [
        ("Source", str(event.get("source", "?"))),
        ("Account", str(event.get("account", "?"))),
        ("Region", str(event.get("region", "?"))),
        ("Time (UTC)", str(event.get("time", "?"))),
    ]
    blocks = (_header(detail_type), *_field_sections(fields))
    fallback = f"{detail_type}: " + " | ".join(f"{k}: {v}" for k, v in fields)
    return SlackMessage(text=escape(fallback), blocks=blocks)


# ---- custom notifications ----------------------------------------------------------------------
def render_custom_notification(notification: CustomNotification) -> SlackMessage:
    """Title (bold), description, next steps and keywords, as Chatbot shows them."""
    # client-markdown is Slack mrkdwn already: pass it through unescaped so mentions,
    # emoji and links work, as the Chatbot guide promises for title and description.
    blocks: list[dict[str, Any]] = []
    if notification.title:
        blocks.append(_section(f"*{notification.title}*"))
    blocks.append(_section(notification.description))
    if notification.next_steps:
        steps = "\n".join(f"• {step}" for step in notification.next_steps)
        blocks.append(_section(f"*Next steps*\n{steps}"))
    if notification.keywords:
        keywords = "  ".join(f"`{k}`" for k in notification.keywords)
        blocks.append({"type": "context", "elements": [_mrkdwn(keywords)]})
    parts = [notification.title or "", notification.description, *notification.next_steps]
    return SlackMessage(text="\n".join(p for p in parts if p), blocks=tuple(blocks))


# ---- Block Kit pieces --------------------------------------------------------------------------
def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text[:3000]}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:_MAX_HEADER]}}


def _context(event: Mapping[str, Any]) -> dict[str, Any]:
    parts = [str(event.get(k, "?")) for k in ("source", "region")]
    text = f"{parts[0]} | {parts[1]} | Account: {event.get('account', '?')}"
    return {"type": "context", "elements": [_mrkdwn(escape(text))]}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _field_sections(fields: list[tuple[str, str]]) -> list[dict[str, Any]]:
    # A section holds at most 10 fields (Block Kit reference), so split longer lists.
    rendered = [
        _mrkdwn(f"*{escape(k)}*\n{escape(v)[: _MAX_FIELD - len(k) - 4]}") for k, v in fields
    ]
    return [
        {"type": "section", "fields": rendered[i : i + 10]} for i in range(0, len(rendered), 10)
    ]
