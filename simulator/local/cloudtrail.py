"""The local CloudTrail: IAM write calls through the gateway become EventBridge events.

On AWS, CloudTrail records every IAM call in us-east-1 (IAM is global) and sends write
management events to the default bus as "AWS API Call via CloudTrail", source ``aws.iam``
(delivery-path.md §1).  moto emits nothing (§5.6), so the gateway sends IAM requests through
`CloudTrailTap`: it resolves the caller's identity from the local IAM/STS *before* the call (a
key deleted by the call itself still names its owner), forwards the call to moto, reads moto's
XML reply (the result or the error) and builds the record with `simulator.events`.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from simulator.local.gateway import Captured, call_app
from simulator.local.moto_app import Caller, MotoApp
from simulator.local.sigv4 import credential_scope, read_body
from simulator.local.trails import trail_records_iam_writes

if TYPE_CHECKING:
    from simulator.events import CallerIdentity

log = logging.getLogger(__name__)

IAM_REGION = "us-east-1"  # where CloudTrail records IAM's global events
READ_ONLY_PREFIXES = ("Get", "List", "Simulate")
Emit = Callable[[str, dict[str, Any]], None]  # (account, EventBridge event)


class CloudTrailTap:
    """A WSGI app in front of moto's IAM that emits a CloudTrail event for each write call."""

    def __init__(
        self,
        moto: MotoApp,
        emit: Emit,
        on_bug: Callable[[BaseException], None],
        *,
        require_trail: bool = False,
    ) -> None:
        self.moto = moto
        self.emit = emit
        self.on_bug = on_bug
        # AWS delivers CloudTrail events only while a trail records them (trails.py); the local
        # cloud emits without one unless asked to behave strictly.
        self.require_trail = require_trail

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        params = request_parameters(environ)
        action = params.pop("Action", "")
        params.pop("Version", None)
        caller = self._caller(environ) if is_write(action) else None
        captured = call_app(self.moto.app, environ)
        if caller is not None:
            try:
                self._emit(action, caller, params, captured, environ)
            except Exception as err:  # never fail the IAM call itself; report the bug
                log.exception("CloudTrail emitter failed for %s", action)
                self.on_bug(err)
        start_response(captured.status, captured.headers or [])
        return [captured.body]

    def _caller(self, environ: dict[str, Any]) -> Caller | None:
        signed = credential_scope(environ)
        return self.moto.caller(signed.access_key) if signed is not None else None

    def _emit(
        self,
        action: str,
        caller: Caller,
        params: dict[str, Any],
        captured: Captured,
        environ: Mapping[str, Any],
    ) -> None:
        if self.require_trail and not trail_records_iam_writes(self.moto.app, caller.access_key_id):
            return
        from simulator.events import record_for_api_call, record_to_envelope

        response, error = parse_reply(captured.body, action)
        record = record_for_api_call(
            event_name=action,
            caller=caller_identity(caller),
            region=IAM_REGION,
            request_parameters=params or None,
            response_elements=None if error else response,
            error_code=error[0] if error else None,
            error_message=error[1] if error else None,
            source_ip=source_ip(environ, caller.access_key_id),
            user_agent=str(environ.get("HTTP_USER_AGENT") or "unknown"),
            at=datetime.now(timezone.utc),
            event_id=str(uuid.uuid4()),
            request_id=str(uuid.uuid4()),
        )
        self.emit(caller.account, record_to_envelope(record, event_id=str(uuid.uuid4())))


def source_ip(environ: Mapping[str, Any], access_key_id: str) -> str:
    """The caller's address as AWS would log it: its public one.

    AWS never sees a loopback address; a request from 127.0.0.1 would reach AWS from the
    caller's public egress address.  The first global address in X-Forwarded-For or the peer
    address is used when there is one; otherwise a stand-in public address, fixed per access key
    (one caller, one address, as in the generator's scenarios).
    """
    forwarded = str(environ.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    for candidate in [*forwarded, str(environ.get("REMOTE_ADDR", ""))]:
        try:
            if ipaddress.ip_address(candidate.strip()).is_global:
                return candidate.strip()
        except ValueError:
            continue
    from simulator.events.clients import public_ip

    return public_ip(random.Random(access_key_id))


def is_write(action: str) -> bool:
    return bool(action) and not action.startswith(READ_ONLY_PREFIXES)


def request_parameters(environ: dict[str, Any]) -> dict[str, Any]:
    """The IAM Query API parameters: the query string plus the form-encoded body."""
    pairs = parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        pairs += parse_qsl(read_body(environ).decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


def caller_identity(caller: Caller) -> CallerIdentity:
    """The caller as `simulator.events` describes it, from STS GetCallerIdentity's answer."""
    from simulator.events import CallerIdentity

    arn = caller.arn
    if ":sts::" in arn and ":user/" in arn:
        # moto answers dummy credentials with "arn:aws:sts::<account>:user/moto"; the nearest
        # real principal is an IAM user of that account.
        arn = arn.replace(":sts::", ":iam::")
    return CallerIdentity.from_arn(arn, caller.access_key_id, user_id=caller.user_id)


def parse_reply(body: bytes, action: str) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """(response elements, None) for a success, (None, (code, message)) for an IAM error."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None, ("ServiceFailure", "The local IAM returned an unreadable reply.")
    error = _find(root, "Error")
    if error is not None:
        code = _text(_find(error, "Code")) or "ServiceFailure"
        return None, (code, _text(_find(error, "Message")))
    result = _find(root, f"{action}Result")
    converted = xml_to_data(result) if result is not None else None
    return (converted if isinstance(converted, dict) and converted else None), None


def response_request_id(body: bytes) -> str | None:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    found = _find(root, "RequestId")
    return _text(found) or None


def xml_to_data(element: ET.Element) -> Any:
    """An AWS Query XML element as data: ``member`` children become a list, leaves text."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    if all(_local(c.tag) == "member" for c in children):
        return [xml_to_data(c) for c in children]
    return {_local(c.tag): xml_to_data(c) for c in children}


def _find(element: ET.Element, name: str) -> ET.Element | None:
    return next((e for e in element.iter() if _local(e.tag) == name), None)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""
