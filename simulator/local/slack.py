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

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from simulator.local import slack_workspace as ws
from simulator.local.sigv4 import read_body
from simulator.local.slack_workspace import (
    Fault,
    Params,
    SlackApiFailure,
    SlackIdentity,
    Workspace,
    default_identities,
    truthy,
)

__all__ = ["SlackApiFailure", "SlackEmulator", "SlackIdentity"]

StartResponse = Callable[..., Any]


# Parameters Slack documents as JSON-encoded when sent form-encoded.
_JSON_PARAMS = frozenset({"blocks", "attachments", "metadata"})


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class SlackEmulator:
    """The local Slack: one workspace served over the Web API and incoming webhooks."""

    DEFAULT_BOT_TOKEN = ws.DEFAULT_BOT_TOKEN
    AWS_BOT_TOKEN = ws.AWS_BOT_TOKEN
    USER_TOKEN = ws.USER_TOKEN  # a person, for messages without bot_id

    def __init__(
        self,
        *,
        team_id: str = "T0TRAILSIM",
        team_name: str = "trailsim-local",
        identities: Iterable[SlackIdentity] | None = None,
    ) -> None:
        self.team_id, self.team_name = team_id, team_name
        self._identities = tuple(identities or default_identities())
        self._lock = threading.RLock()
        self._workspace = Workspace(team_id, team_name, self._identities)
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
            self._workspace = Workspace(self.team_id, self.team_name, self._identities)

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
            self._workspace.faults[method] = Fault(error, times, retry_after, code)

    # ---- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        reply = self._dispatch(environ)
        headers = [("Content-Length", str(len(reply.body))), *reply.headers]
        start_response(f"{reply.status} {_REASONS.get(reply.status, 'Status')}", headers)
        return [reply.body]

    def _dispatch(self, environ: dict[str, Any]) -> _Reply:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/slack/"):
            path = path[len("/slack") :]
        if path.startswith("/api/"):
            return self._api(path[len("/api/") :], environ)
        if path.startswith("/services/"):
            return self._webhook(path[len("/services/") :], environ)
        return _text(404, "not_found")

    def _api(self, method: str, environ: dict[str, Any]) -> _Reply:
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

    def _webhook(self, hook: str, environ: dict[str, Any]) -> _Reply:
        try:
            payload = json.loads(read_body(environ) or b"null")
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
        private = truthy(params.get("is_private"))
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


def _read_params(environ: dict[str, Any]) -> tuple[Params, str]:
    """Merge query string and body (form or JSON); return (params, token)."""
    params: Params = {k: v[-1] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
    body = read_body(environ)
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
