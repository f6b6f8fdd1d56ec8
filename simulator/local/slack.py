"""A Slack Web API emulator that keeps its workspace in memory (a WSGI app).

Construct and mount::

    slack = SlackEmulator()                 # one workspace, channel "general", two bot tokens
    # gateway: requests whose path starts with "/slack/" go to `slack(environ, start_response)`;
    # the "/slack" prefix may be left in PATH_INFO or moved to SCRIPT_NAME, both work.
    client = WebClient(token=SlackEmulator.DEFAULT_BOT_TOKEN, base_url=endpoint_url + "/slack/api/")

Served: ``/api/<method>`` for auth.test, chat.postMessage, conversations.history/replies/info/
join/members/create/archive and users.info; ``/services/T…/B…/…`` for incoming webhooks
(:meth:`SlackEmulator.create_incoming_webhook`).  Requests may be form-encoded, JSON or query
strings, with the token as ``Authorization: Bearer`` or a ``token`` parameter, as on slack.com.

Behaviour follows Slack's docs (delivery-path.md §4): ``{"ok": false, "error": …}`` with HTTP
200 for API errors, HTTP 429 + ``Retry-After`` for rate limits, newest-first history with
``oldest``/``latest``/``inclusive``/``limit`` and cursor pagination.  Three tokens are accepted:
trailsim's own bot (``DEFAULT_BOT_TOKEN``, a member of nothing until it joins), the AWS app's bot
that Chatbot posts as (``AWS_BOT_TOKEN``, user ``aws``) and a person (``USER_TOKEN``, ``alice``).
Tokens are never logged.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

__all__ = ["SlackApiFailure", "SlackEmulator", "SlackIdentity"]

StartResponse = Callable[..., Any]
Params = dict[str, Any]
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
class _Fault:
    error: str
    times: int
    retry_after: int
    status: int


@dataclass(slots=True)
class _Channel:
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


# Parameters Slack documents as JSON-encoded when sent form-encoded.
_JSON_PARAMS = frozenset({"blocks", "attachments", "metadata"})


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class SlackEmulator:
    """The local Slack: one workspace served over the Web API and incoming webhooks."""

    DEFAULT_BOT_TOKEN = "xoxb-trailsim-local-token"
    AWS_BOT_TOKEN = "xoxb-aws-chatbot-local-token"
    USER_TOKEN = "xoxp-alice-local-token"  # a person, for messages without bot_id

    def __init__(
        self,
        *,
        team_id: str = "T0TRAILSIM",
        team_name: str = "trailsim-local",
        identities: Iterable[SlackIdentity] | None = None,
    ) -> None:
        self.team_id, self.team_name = team_id, team_name
        self._identities = tuple(identities or _default_identities())
        self._lock = threading.RLock()
        self._workspace = _Workspace(team_id, team_name, self._identities)
        self._methods: dict[str, Callable[[SlackIdentity, Params], Params]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.info": self._info,
            "conversations.join": self._join,
            "conversations.members": self._members,
            "conversations.create": self._create,
            "conversations.archive": self._archive,
            "users.info": self._users_info,
        }

    # ---- plain-Python API for tests and the local cloud -------------------------------------
    def reset(self) -> None:
        """Forget every channel, message, webhook and fault; recreate ``#general``."""
        with self._lock:
            self._workspace = _Workspace(self.team_id, self.team_name, self._identities)

    def identity(self, name: str) -> SlackIdentity:
        """The identity whose user name is ``name`` (``"trailsim"`` or ``"aws"`` by default)."""
        return self._workspace.identity_named(name)

    def create_channel(self, name: str, *members: str, is_private: bool = False) -> str:
        """Create a channel with the given members (user IDs or names); return its ID."""
        with self._lock:
            channel = self._workspace.add_channel(name, is_private=is_private, creator="")
            for member in members:
                channel.members.add(self._workspace.user_id(member))
            return channel.id

    def revoke_token(self, name: str) -> None:
        """Revoke the token of user ``name`` (e.g. ``"aws"``: the app was removed); calls with it
        then fail with ``token_revoked`` until :meth:`reset`."""
        with self._lock:
            self._workspace.revoked.add(self._workspace.identity_named(name).token)

    def archive_channel(self, channel: str) -> None:
        with self._lock:
            self._workspace.channel(channel).is_archived = True

    def channel_id(self, name: str) -> str:
        with self._lock:
            return self._workspace.channel(name).id

    def channel_name(self, channel: str) -> str:
        """The name of a channel given by ID or name; KeyError if there is none."""
        with self._lock:
            try:
                return self._workspace.channel(channel).name
            except SlackApiFailure as failure:
                raise KeyError(channel) from failure

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Copies of the channel's messages, oldest first."""
        with self._lock:
            return [json.loads(json.dumps(m)) for m in self._workspace.channel(channel).messages]

    def create_incoming_webhook(self, channel: str) -> str:
        """Install an incoming webhook for ``channel``; return its path, ``/slack/services/…``."""
        with self._lock:
            return "/slack" + self._workspace.add_webhook(self._workspace.channel(channel).id)

    def inject_fault(
        self,
        method: str,
        error: str = "ratelimited",
        *,
        times: int = 1,
        retry_after: int = 1,
        status: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``error="ratelimited"`` answers HTTP 429 with ``Retry-After: retry_after``; any other
        error answers ``{"ok": false, "error": error}`` with ``status`` (200 unless given, e.g.
        500 for a server error).  ``method`` may be ``"webhook"`` for incoming webhooks.
        """
        code = status if status is not None else (429 if error == "ratelimited" else 200)
        with self._lock:
            self._workspace.faults[method] = _Fault(error, times, retry_after, code)

    # ---- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: Mapping[str, Any], start_response: StartResponse) -> list[bytes]:
        reply = self._dispatch(environ)
        headers = [("Content-Length", str(len(reply.body))), *reply.headers]
        start_response(f"{reply.status} {_REASONS.get(reply.status, 'Status')}", headers)
        return [reply.body]

    def _dispatch(self, environ: Mapping[str, Any]) -> _Reply:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/slack/"):
            path = path[len("/slack") :]
        if path.startswith("/api/"):
            return self._api(path[len("/api/") :], environ)
        if path.startswith("/services/"):
            return self._webhook(path[len("/services/") :], environ)
        return _text(404, "not_found")

    def _api(self, method: str, environ: Mapping[str, Any]) -> _Reply:
        handler = self._methods.get(method)
        if handler is None:
            return _json(404, {"ok": False, "error": "unknown_method"})
        try:
            params, token = _read_params(environ)
            with self._lock:  # serialise under the lock: replies share the stored messages
                self._workspace.raise_fault(method)
                identity = self._workspace.authenticate(token)
                return _json(200, {"ok": True, **handler(identity, params)})
        except SlackApiFailure as failure:
            return _failure(failure)

    def _webhook(self, hook: str, environ: Mapping[str, Any]) -> _Reply:
        try:
            payload = json.loads(_read_body(environ) or b"null")
        except ValueError:
            return _text(400, "invalid_payload")
        try:
            with self._lock:
                self._workspace.raise_fault("webhook")
                self._workspace.post_webhook(hook, payload)
        except SlackApiFailure as failure:
            headers = _retry_headers(failure)
            return _Reply(failure.status, failure.error.encode(), (_TEXT, *headers))
        return _text(200, "ok")

    # ---- methods ---------------------------------------------------------------------------
    def _auth_test(self, identity: SlackIdentity, params: Params) -> Params:
        reply: Params = {"url": f"https://{self.team_name}.slack.com/", "team": self.team_name}
        reply |= {"user": identity.user_name, "team_id": self.team_id, "user_id": identity.user_id}
        if identity.bot_id:  # bot tokens only
            reply["bot_id"] = identity.bot_id
        return reply | {"is_enterprise_install": False}

    def _post_message(self, identity: SlackIdentity, params: Params) -> Params:
        channel = self._workspace.visible_channel(identity, _required(params, "channel"))
        if not channel.can_post(identity):
            raise SlackApiFailure("not_in_channel")
        message = self._workspace.append(channel, identity, params)
        return {"channel": channel.id, "ts": message["ts"], "message": message}

    def _history(self, identity: SlackIdentity, params: Params) -> Params:
        channel = self._workspace.visible_channel(identity, _required(params, "channel"))
        if identity.user_id not in channel.members:
            raise SlackApiFailure("not_in_channel")
        return channel.history_page(params)

    def _replies(self, identity: SlackIdentity, params: Params) -> Params:
        channel = self._workspace.visible_channel(identity, _required(params, "channel"))
        if identity.user_id not in channel.members:
            raise SlackApiFailure("not_in_channel")
        return channel.replies_page(params)

    def _info(self, identity: SlackIdentity, params: Params) -> Params:
        channel = self._workspace.visible_channel(identity, _required(params, "channel"))
        return {"channel": channel.describe(identity)}

    def _join(self, identity: SlackIdentity, params: Params) -> Params:
        channel = self._workspace.visible_channel(identity, _required(params, "channel"))
        if channel.is_private:
            raise SlackApiFailure("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackApiFailure("is_archived")
        extra: Params = {}
        if identity.user_id in channel.members:
            extra = {"warning": "already_in_channel"}
        channel.members.add(identity.user_id)
        return {"channel": channel.describe(identity), **extra}

    def _members(self, identity: SlackIdentity, params: Params) -> Params:
        channel = self._workspace.visible_channel(identity, _required(params, "channel"))
        return channel.members_page(params)

    def _create(self, identity: SlackIdentity, params: Params) -> Params:
        private = _truthy(params.get("is_private"))
        name = _required(params, "name", error="invalid_name_required")
        channel = self._workspace.add_channel(name, is_private=private, creator=identity.user_id)
        channel.members.add(identity.user_id)
        return {"channel": channel.describe(identity)}

    def _archive(self, identity: SlackIdentity, params: Params) -> Params:
        channel = self._workspace.visible_channel(identity, _required(params, "channel"))
        if channel.is_archived:
            raise SlackApiFailure("already_archived")
        channel.is_archived = True
        return {}

    def _users_info(self, identity: SlackIdentity, params: Params) -> Params:
        return {"user": self._workspace.describe_user(_required(params, "user"))}


class _Workspace:
    """The state of one workspace; every method runs under the emulator's lock."""

    def __init__(self, team_id: str, team_name: str, identities: Iterable[SlackIdentity]) -> None:
        self.team_id, self.team_name = team_id, team_name
        self.tokens = {i.token: i for i in identities}
        self.users = {i.user_id: i for i in self.tokens.values()}
        self.channels: dict[str, _Channel] = {}
        self.webhooks: dict[str, str] = {}  # "T…/B…/secret" -> channel ID
        self.faults: dict[str, _Fault] = {}
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

    def channel(self, ref: str) -> _Channel:
        found = self.channels.get(ref)
        name = ref.removeprefix("#")
        found = found or next((c for c in self.channels.values() if c.name == name), None)
        if found is None:
            raise SlackApiFailure("channel_not_found")
        return found

    def visible_channel(self, identity: SlackIdentity, ref: str) -> _Channel:
        channel = self.channel(ref)
        # A private channel the caller is not in does not exist for it (delivery-path.md §4).
        if channel.is_private and identity.user_id not in channel.members:
            raise SlackApiFailure("channel_not_found")
        return channel

    def add_channel(self, name: str, *, is_private: bool, creator: str) -> _Channel:
        if not re.fullmatch(r"[a-z0-9_-]{1,80}", name):
            raise SlackApiFailure("invalid_name_specials")
        if any(c.name == name for c in self.channels.values()):
            raise SlackApiFailure("name_taken")
        self._serial += 1
        channel = _Channel(f"C{self._serial:09d}", name, is_private, creator, int(time.time()))
        self.channels[channel.id] = channel
        return channel

    def next_ts(self) -> str:
        # Slack's ts is unique per channel and increases; keep it strictly increasing overall.
        self._last_ts = max(round(time.time(), 6), round(self._last_ts + 0.000001, 6))
        return f"{self._last_ts:.6f}"

    def append(self, channel: _Channel, identity: SlackIdentity, params: Params) -> Params:
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
            _add_reply(parent, message, _truthy(params.get("reply_broadcast")))
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


def _default_identities() -> tuple[SlackIdentity, ...]:
    return (
        SlackIdentity(
            SlackEmulator.DEFAULT_BOT_TOKEN, "U0TRAILSIM", "trailsim", "B0TRAILSIM", "A0TRAILSIM"
        ),
        SlackIdentity(
            SlackEmulator.AWS_BOT_TOKEN, "U0AWSBOT01", "aws", "B0AWSBOT01", "A0AWSCHATBOT"
        ),
        SlackIdentity(SlackEmulator.USER_TOKEN, "U0HUMAN001", "alice", "", ""),
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
    inclusive = _truthy(params.get("inclusive"))
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


def _truthy(value: object) -> bool:
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


# ---- wire helpers ------------------------------------------------------------------------------
_TEXT = ("Content-Type", "text/html; charset=utf-8")
_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 410: "Gone"}
_REASONS |= {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _json(status: int, data: Mapping[str, Any]) -> _Reply:
    body = json.dumps(data).encode()
    return _Reply(status, body, (("Content-Type", "application/json; charset=utf-8"),))


def _text(status: int, text: str) -> _Reply:
    return _Reply(status, text.encode(), (_TEXT,))


def _retry_headers(failure: SlackApiFailure) -> tuple[tuple[str, str], ...]:
    return (("Retry-After", str(failure.retry_after)),) if failure.status == 429 else ()


def _failure(failure: SlackApiFailure) -> _Reply:
    reply = _json(failure.status, {"ok": False, "error": failure.error, **failure.extra})
    return _Reply(reply.status, reply.body, reply.headers + _retry_headers(failure))


def _required(params: Params, name: str, *, error: str = "") -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        # Slack answers channel_not_found for a missing channel argument.
        raise SlackApiFailure(error or f"{name}_not_found")
    return value


def _read_body(environ: Mapping[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length > 0 else b""


def _read_params(environ: Mapping[str, Any]) -> tuple[Params, str]:
    """Merge query string and body (form or JSON); return (params, token)."""
    params: Params = {k: v[-1] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
    body = _read_body(environ)
    content_type = str(environ.get("CONTENT_TYPE", ""))
    if body and "json" in content_type:
        try:
            decoded = json.loads(body)
        except ValueError as err:
            raise SlackApiFailure("invalid_json") from err
        if not isinstance(decoded, dict):
            raise SlackApiFailure("json_not_object")
        params.update(decoded)
    elif body:
        params.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
    for name in _JSON_PARAMS & params.keys():
        if isinstance(params[name], str):
            try:
                params[name] = json.loads(params[name])
            except ValueError as err:
                raise SlackApiFailure(f"invalid_{name}") from err
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else ""
    return params, token or str(params.pop("token", ""))
