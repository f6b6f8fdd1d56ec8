"""Confirm that the alert reached Slack: poll conversations.history for the run's marker.

``confirm_delivery(client, channel, marker, oldest=t0, deadline_s=…, poll_interval_s=…)`` reads
the channel's history from ``oldest`` (a time just before the trigger) until a message carrying
``marker`` appears, anywhere in its text, blocks or attachments, or the deadline passes.
``marker`` may also be several markers: a message carrying any one of them is the alert (Chatbot's
CloudTrail card may leave out the target user, so the e2e ``iam`` trigger also accepts the new
access key ID).  The
client is a ready ``slack_sdk.WebClient``: its ``base_url`` alone selects real Slack or the local
one.  A ``RateLimitErrorRetryHandler`` is added to its retry handlers, so HTTP 429 answers are
waited out for ``Retry-After``.  Pages are asked for 15 messages at a time, the most Slack grants
to non-Marketplace apps since 2025-05-29 (delivery-path.md §4).

Thread replies are not in conversations.history (Chatbot threads custom notifications that
share a ``metadata.threadId``).  So every bot message read in the window is watched as a possible
thread parent, and its replies are read with conversations.replies.  A reply in a thread whose
parent predates ``oldest`` cannot be found: Slack has no channel-wide reply listing.  This is why
:func:`~simulator.slack.notifications.chatbot_input_transformer` sets no threadId.

A missed deadline is not an error: it is ``Confirmation(delivered=False)``, and ``seen`` lists
every message read, with why it was not the one.  A Slack API error raises ``SlackError``, which
names the method and channel and never the token.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from simulator.errors import ConfigError, SlackError

__all__ = ["Confirmation", "SeenMessage", "confirm_delivery", "message_text"]

PAGE_SIZE = 15
_HISTORY, _REPLIES = "conversations.history", "conversations.replies"


@dataclass(frozen=True, slots=True)
class SeenMessage:
    """A message read while polling, and why it was not the alert."""

    ts: str
    sender: str
    excerpt: str
    why_not: str


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The verdict: the message found (if any), its latency from ``oldest``, and what was seen.

    ``markers`` are the markers looked for (any one suffices); ``matched`` is the first of them
    the found message carries."""

    delivered: bool
    channel: str
    markers: tuple[str, ...]
    message: Mapping[str, Any] | None
    latency: float | None
    polls: int
    seen: tuple[SeenMessage, ...]
    matched: str | None = None

    @property
    def marker(self) -> str:
        """The first marker: the one callers that look for a single marker passed."""
        return self.markers[0]

    def describe(self) -> str:
        if self.delivered:
            return f"delivered to {self.channel} after {self.latency:.1f} s ({self.polls} polls)"
        wanted = " or ".join(repr(m) for m in self.markers)
        lines = [f"not delivered to {self.channel}: no message carried {wanted} "]
        lines[0] += f"({self.polls} polls, {len(self.seen)} messages seen)"
        lines += [f"  {s.ts} {s.sender}: {s.why_not}: {s.excerpt!r}" for s in self.seen]
        return "\n".join(lines)


def message_text(message: Mapping[str, Any]) -> str:
    """Every string in the message's text, blocks and attachments, joined by newlines."""
    return "\n".join(_strings([message.get(k) for k in ("text", "blocks", "attachments")]))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def confirm_delivery(
    client: WebClient,
    channel: str,
    marker: str | Sequence[str],
    *,
    oldest: float,
    deadline_s: float = 300.0,
    poll_interval_s: float = 5.0,
    sender: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Confirmation:
    """Poll ``channel`` until a bot message carrying ``marker`` appears or ``deadline_s`` passes.

    ``marker`` is one marker or several; a message carrying any of them is the one.  ``sender``,
    when given, is the bot that must have posted it: its bot ID (``B…``), user ID or name as
    Slack shows it (``aws``); any bot otherwise.  Raises ConfigError for no marker or an empty
    one (an empty marker is in every message)."""
    markers = _markers(marker)
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    deadline, polls, seen = clock() + deadline_s, 0, list[SeenMessage]()
    reader = _Reader(client, channel, oldest)
    while True:
        polls += 1
        for message in reader.new_messages():
            matched, why_not = _match(message, markers, sender)
            if matched:
                latency = float(message["ts"]) - oldest
                found = (message, latency, polls, tuple(seen))
                return Confirmation(True, channel, markers, *found, matched=matched)
            seen.append(_seen(message, why_not))
        remaining = deadline - clock()
        if remaining <= 0:
            return Confirmation(False, channel, markers, None, None, polls, tuple(seen))
        sleep(min(poll_interval_s, remaining))


def _markers(marker: str | Sequence[str]) -> tuple[str, ...]:
    markers = (marker,) if isinstance(marker, str) else tuple(marker)
    if not markers or not all(isinstance(m, str) and m for m in markers):
        raise ConfigError("marker", marker, "a non-empty string or a list of them")
    return markers


class _Reader:
    """Reads each message of the window once: history incrementally, and the replies of every
    bot message seen (a possible Chatbot thread parent)."""

    def __init__(self, client: WebClient, channel: str, oldest: float) -> None:
        self.client, self.channel = client, channel
        self.after, self.inclusive = f"{oldest:.6f}", True
        self.threads: dict[str, str] = {}  # parent ts -> newest reply read (or the parent's ts)

    def new_messages(self) -> list[Any]:
        top = self._pages(_HISTORY, oldest=self.after, inclusive=self.inclusive)
        if top:
            self.after, self.inclusive = str(top[-1]["ts"]), False
        self.threads |= {str(m["ts"]): str(m["ts"]) for m in top if m.get("bot_id")}
        replies = [r for parent in list(self.threads) for r in self._replies(parent)]
        return sorted(top + replies, key=lambda m: float(m["ts"]))

    def _replies(self, parent: str) -> list[Any]:
        found = self._pages(_REPLIES, ts=parent, oldest=self.threads[parent], inclusive=False)
        found = [m for m in found if m["ts"] != parent]
        if found:
            self.threads[parent] = str(found[-1]["ts"])
        return found

    def _pages(self, method: str, **params: Any) -> list[Any]:
        """Every page of ``method``, oldest message first; Slack errors become SlackError."""
        call = (
            self.client.conversations_history
            if method == _HISTORY
            else self.client.conversations_replies
        )
        messages: list[Any] = []
        try:
            for page in call(channel=self.channel, limit=PAGE_SIZE, **params):
                messages += page.get("messages") or []
        except SlackApiError as err:
            raise SlackError(method, self.channel, str(err.response.get("error", "error"))) from err
        except OSError as err:  # connection refused, DNS, TLS: no token in these messages
            raise SlackError(method, self.channel, f"cannot reach Slack: {err}") from err
        return sorted(messages, key=lambda m: float(m.get("ts", 0)))


def _match(
    message: Mapping[str, Any], markers: tuple[str, ...], sender: str | None
) -> tuple[str, str]:
    """(the first marker the message carries, "") if it is the alert, else ("", why not)."""
    # Chatbot posts as the AWS app's bot user, so its messages carry bot_id (delivery-path.md §4).
    if not message.get("bot_id"):
        return "", "not posted by a bot"
    if sender is not None and sender not in _sender_names(message):
        return "", f"posted by {_sender_names(message)[0]}, not {sender}"
    text = message_text(message)
    matched = next((m for m in markers if m in text), "")
    return matched, "" if matched else "marker not in the message"


def _sender_names(message: Mapping[str, Any]) -> list[str]:
    """The names a message's author goes by, the display name first."""
    profile = message.get("bot_profile") or {}
    names = [profile.get("name"), message.get("user"), message.get("bot_id")]
    return [str(n) for n in names if n] or ["?"]


def _seen(message: Mapping[str, Any], why_not: str) -> SeenMessage:
    excerpt = " ".join(message_text(message).split())[:120]
    return SeenMessage(str(message.get("ts", "")), _sender_names(message)[0], excerpt, why_not)
