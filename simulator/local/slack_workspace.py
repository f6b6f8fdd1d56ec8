"""The local Slack's workspace: identities, channels, messages and their paging.

Everything here is plain state, called under :class:`~simulator.local.slack.SlackEmulator`'s
lock; the Web API and webhook wire lives in ``slack.py``.  Behaviour follows Slack's docs
(delivery-path.md §4): newest-first history with ``oldest``/``latest``/``inclusive``/``limit``
and opaque cursors, thread replies kept out of the history, and Slack's error codes, raised as
:class:`SlackApiFailure`.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AWS_BOT_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "USER_TOKEN",
    "Channel",
    "Fault",
    "Params",
    "SlackApiFailure",
    "SlackIdentity",
    "Workspace",
    "default_identities",
    "truthy",
]

Params = dict[str, Any]
DEFAULT_BOT_TOKEN = "xoxb-trailsim-local-token"  # trailsim's own bot
AWS_BOT_TOKEN = "xoxb-aws-chatbot-local-token"  # the AWS app's bot, that Chatbot posts as
USER_TOKEN = "xoxp-alice-local-token"  # a person, for messages without bot_id
_MAX_TEXT = 40_000  # chat.postMessage truncates longer text; msg_too_long beyond it [Slack docs]


class SlackApiFailure(Exception):
    """An API error as Slack answers it: an error code, an HTTP status and extra fields."""

    def __init__(self, error: str, status: int = 200, retry_after: int = 0, **extra: Any) -> None:
        super().__init__(error)
        self.error, self.status, self.retry_after, self.extra = error, status, retry_after, extra


@dataclass(frozen=True, slots=True)
class SlackIdentity:
    """Who a token speaks for: a bot user of an app installed in the workspace."""

    token: str
    user_id: str
    user_name: str
    bot_id: str
    app_id: str
    chat_write_public: bool = True  # the chat:write.public scope: post to public channels unjoined


@dataclass(slots=True)
class Fault:
    error: str
    times: int
    retry_after: int
    status: int


@dataclass(slots=True)
class Channel:
    id: str
    name: str
    is_private: bool
    creator: str
    created: int
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)  # oldest first

    def can_post(self, identity: SlackIdentity) -> bool:
        if identity.user_id in self.members:
            return True
        return not self.is_private and identity.chat_write_public

    def describe(self, identity: SlackIdentity) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_member": identity.user_id in self.members,
            "created": self.created,
            "creator": self.creator,
            "name_normalized": self.name,
            "num_members": len(self.members),
        }

    def history_page(self, params: Params) -> Params:
        """conversations.history: newest first within (oldest, latest), then cursor pages.

        Thread replies are not in the history, only their parent with reply_count and
        latest_reply, unless posted with reply_broadcast (Slack's threading docs)."""
        top = [m for m in reversed(self.messages) if _is_top_level(m)]
        data = _window_page(top, params, newest_first=True, maximum=999)
        return {**data, "pin_count": 0}

    def replies_page(self, params: Params) -> Params:
        """conversations.replies: the parent first, then its replies oldest first."""
        parent = self.thread_parent(str(params.get("ts", "")))
        if parent is None:
            raise SlackApiFailure("thread_not_found")
        replies = [
            m for m in self.messages if m.get("thread_ts") == parent["ts"] and m is not parent
        ]
        data = _window_page(replies, params, newest_first=False, maximum=1000)
        first_page = not params.get("cursor")
        return {**data, "messages": [parent, *data["messages"]] if first_page else data["messages"]}

    def thread_parent(self, ts: str) -> Params | None:
        found = next((m for m in self.messages if m["ts"] == ts), None)
        return found if found is not None and _is_top_level(found) else None

    def members_page(self, params: Params) -> Params:
        limit, members = _limit(params, default=100, maximum=1000), sorted(self.members)
        start = int(params.get("cursor") or 0) if str(params.get("cursor", "0")).isdigit() else 0
        page = members[start : start + limit]
        more = start + limit < len(members)
        return {
            "members": page,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }


class Workspace:
    """The state of one workspace; every method runs under the emulator's lock."""

    def __init__(self, team_id: str, team_name: str, identities: Iterable[SlackIdentity]) -> None:
        self.team_id, self.team_name = team_id, team_name
        self.tokens = {i.token: i for i in identities}
        self.users = {i.user_id: i for i in self.tokens.values()}
        self.channels: dict[str, Channel] = {}
        self.webhooks: dict[str, str] = {}  # "T…/B…/secret" -> channel ID
        self.faults: dict[str, Fault] = {}
        self.revoked: set[str] = set()
        self._serial, self._last_ts = 0, 0.0
        self.webhook_bot = SlackIdentity("", "", "incoming-webhook", "B0WEBHOOK1", "A0WEBHOOK1")
        self.add_channel("general", is_private=False, creator="")

    def identity_named(self, name: str) -> SlackIdentity:
        for identity in self.tokens.values():
            if name in (identity.user_name, identity.user_id):
                return identity
        raise KeyError(f"no Slack user named {name!r}")

    def user_id(self, member: str) -> str:
        return self.identity_named(member).user_id

    def authenticate(self, token: str) -> SlackIdentity:
        if not token:
            raise SlackApiFailure("not_authed")
        identity = self.tokens.get(token)
        if identity is None:
            raise SlackApiFailure("invalid_auth")
        if token in self.revoked:
            raise SlackApiFailure("token_revoked")
        return identity

    def raise_fault(self, method: str) -> None:
        fault = self.faults.get(method)
        if fault is None or fault.times <= 0:
            return
        fault.times -= 1
        raise SlackApiFailure(fault.error, fault.status, fault.retry_after)

    def channel(self, ref: str) -> Channel:
        found = self.channels.get(ref)
        name = ref.removeprefix("#")
        found = found or next((c for c in self.channels.values() if c.name == name), None)
        if found is None:
            raise SlackApiFailure("channel_not_found")
        return found

    def visible_channel(self, identity: SlackIdentity, ref: str) -> Channel:
        channel = self.channel(ref)
        # A private channel the caller is not in does not exist for it (delivery-path.md §4).
        if channel.is_private and identity.user_id not in channel.members:
            raise SlackApiFailure("channel_not_found")
        return channel

    def add_channel(self, name: str, *, is_private: bool, creator: str) -> Channel:
        if not re.fullmatch(r"[a-z0-9_-]{1,80}", name):
            raise SlackApiFailure("invalid_name_specials")
        if any(c.name == name for c in self.channels.values()):
            raise SlackApiFailure("name_taken")
        self._serial += 1
        channel = Channel(f"C{self._serial:09d}", name, is_private, creator, int(time.time()))
        self.channels[channel.id] = channel
        return channel

    def next_ts(self) -> str:
        # Slack's ts is unique per channel and increases; keep it strictly increasing overall.
        self._last_ts = max(round(time.time(), 6), round(self._last_ts + 0.000001, 6))
        return f"{self._last_ts:.6f}"

    def append(self, channel: Channel, identity: SlackIdentity, params: Params) -> Params:
        if channel.is_archived:
            raise SlackApiFailure("is_archived")
        text, blocks, attachments = (
            params.get("text"),
            params.get("blocks"),
            params.get("attachments"),
        )
        if not text and not blocks and not attachments:
            raise SlackApiFailure("no_text")
        if blocks is not None and not isinstance(blocks, list):
            raise SlackApiFailure("invalid_blocks")
        if attachments is not None and not isinstance(attachments, list):
            raise SlackApiFailure("invalid_attachments")
        if isinstance(text, str) and len(text) > _MAX_TEXT:
            raise SlackApiFailure("msg_too_long")
        message: Params = {"type": "message", "text": str(text or ""), "ts": self.next_ts()}
        message |= self._author(identity)
        for key in ("blocks", "attachments", "metadata"):
            if params.get(key):
                message[key] = params[key]
        parent = channel.thread_parent(str(params.get("thread_ts") or ""))
        if parent is not None:
            _add_reply(parent, message, truthy(params.get("reply_broadcast")))
        channel.messages.append(message)
        return message

    def _author(self, identity: SlackIdentity) -> Params:
        """Who a message is from: a user, a bot user (with bot_profile), or a webhook's bot."""
        author: Params = {"team": self.team_id}
        if identity.token:
            author["user"] = identity.user_id
        else:
            author["subtype"] = "bot_message"
        if identity.bot_id:
            author |= {"bot_id": identity.bot_id, "app_id": identity.app_id}
            author["bot_profile"] = {
                "id": identity.bot_id,
                "app_id": identity.app_id,
                "name": identity.user_name,
                "deleted": False,
                "team_id": self.team_id,
            }
        return author

    def add_webhook(self, channel_id: str) -> str:
        hook = f"{self.team_id}/{self.webhook_bot.bot_id}/{secrets.token_urlsafe(18)}"
        self.webhooks[hook] = channel_id
        return f"/services/{hook}"

    def post_webhook(self, hook: str, payload: object) -> None:
        channel_id = self.webhooks.get(hook.strip("/"))
        if channel_id is None:
            raise SlackApiFailure("no_service", 404)
        if not isinstance(payload, dict):
            raise SlackApiFailure("invalid_payload", 400)
        channel = self.channels[channel_id]
        if channel.is_archived:
            raise SlackApiFailure("channel_is_archived", 410)
        try:
            self.append(channel, self.webhook_bot, payload)
        except SlackApiFailure as failure:
            raise SlackApiFailure("invalid_payload", 400) from failure

    def describe_user(self, user: str) -> Params:
        identity = self.users.get(user)
        if identity is None:
            raise SlackApiFailure("user_not_found")
        profile = {"bot_id": identity.bot_id, "real_name": identity.user_name}
        return {
            "id": identity.user_id,
            "team_id": self.team_id,
            "name": identity.user_name,
            "deleted": False,
            "is_bot": bool(identity.bot_id),
            "is_app_user": False,
            "profile": profile,
        }


def default_identities() -> tuple[SlackIdentity, ...]:
    return (
        SlackIdentity(DEFAULT_BOT_TOKEN, "U0TRAILSIM", "trailsim", "B0TRAILSIM", "A0TRAILSIM"),
        SlackIdentity(AWS_BOT_TOKEN, "U0AWSBOT01", "aws", "B0AWSBOT01", "A0AWSCHATBOT"),
        SlackIdentity(USER_TOKEN, "U0HUMAN001", "alice", "", ""),
    )


def _is_top_level(message: Params) -> bool:
    thread = message.get("thread_ts")
    return thread in (None, message["ts"]) or message.get("subtype") == "thread_broadcast"


def _add_reply(parent: Params, reply: Params, broadcast: bool) -> None:
    # A thread_ts that names no message posts a top-level message here; Slack's answer to
    # that case is [unconfirmed].
    reply["thread_ts"] = parent["thread_ts"] = parent["ts"]
    if broadcast:
        reply["subtype"] = "thread_broadcast"
    users = [*parent.get("reply_users", []), reply.get("user") or reply.get("bot_id")]
    parent["reply_users"] = list(dict.fromkeys(users))
    parent["reply_users_count"] = len(parent["reply_users"])
    parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
    parent["latest_reply"] = reply["ts"]


def _window_page(
    messages: list[Params], params: Params, *, newest_first: bool, maximum: int
) -> Params:
    """Messages within (oldest, latest) [inclusive], one page of ``limit``, cursor-paged."""
    oldest, latest = _ts_param(params, "oldest", 0.0), _ts_param(params, "latest", 1e12)
    inclusive = truthy(params.get("inclusive"))
    limit = _limit(params, default=100 if newest_first else 1000, maximum=maximum)
    boundary = _decode_cursor(params.get("cursor"))
    selected = [
        m
        for m in messages
        if _in_window(float(m["ts"]), oldest, latest, inclusive)
        and (
            boundary is None
            or (float(m["ts"]) < boundary if newest_first else float(m["ts"]) > boundary)
        )
    ]
    page, has_more = selected[:limit], len(selected) > limit
    data: Params = {"messages": page, "has_more": has_more}
    if has_more:
        data["response_metadata"] = {"next_cursor": _encode_cursor(page[-1]["ts"])}
    return data


def truthy(value: object) -> bool:
    return str(value).lower() in ("true", "1")


def _ts_param(params: Params, name: str, default: float) -> float:
    try:
        return float(params.get(name) or default)
    except (TypeError, ValueError) as err:
        raise SlackApiFailure("invalid_ts_" + name) from err


def _limit(params: Params, *, default: int, maximum: int) -> int:
    try:
        limit = int(params.get("limit") or default)
    except (TypeError, ValueError) as err:
        raise SlackApiFailure("invalid_limit") from err
    return max(1, min(limit, maximum))


def _in_window(ts: float, oldest: float, latest: float, inclusive: bool) -> bool:
    if inclusive:
        return oldest <= ts <= latest
    return oldest < ts < latest


def _encode_cursor(ts: str) -> str:
    # Slack's cursors are opaque base64 ("bmV4dF90czox…" = "next_ts:1…"); keep the same form.
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_cursor(cursor: object) -> float | None:
    if not cursor:
        return None
    try:
        text = base64.b64decode(str(cursor), validate=True).decode()
        return float(text.removeprefix("next_ts:"))
    except ValueError as err:
        raise SlackApiFailure("invalid_cursor") from err
