"""The local EventBridge's wire: ``X-Amz-Target: AWSEvents.<Operation>`` JSON 1.1 in and out.

Replies are ``200`` with the operation's JSON; errors are ``400 {"__type": code, "message": …}``,
which botocore's JSON parser reads into the modelled exception class (botocore/parsers.py,
``BaseJSONParser._do_error_parse``).  Nothing a client sends can make this layer answer 500.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from simulator.local import eventbridge_errors as errs
from simulator.local.eventbridge import EventBridgeBackend
from simulator.local.eventbridge_model import Scope
from simulator.local.eventbridge_params import parse_json_body
from simulator.local.sigv4 import credential_scope, read_body

TARGET_PREFIX = "AWSEvents."
CONTENT_TYPE = "application/x-amz-json-1.1"

StartResponse = Callable[..., Any]


class EventBridgeWire:
    """WSGI app for the EventBridge API over `backend`; `account_for(access_key)` names the account."""

    def __init__(self, backend: EventBridgeBackend, account_for: Callable[[str], str]) -> None:
        self.backend = backend
        self.account_for = account_for

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            operation, scope, params = self._parse(environ)
            reply = self.backend.call(operation, scope, params)
        except errs.EventsApiError as err:
            return respond(
                start_response, err.status, {"__type": err.code, "message": err.aws_message}
            )
        return respond(start_response, 200, reply)

    def _parse(self, environ: dict[str, Any]) -> tuple[str, Scope, dict[str, Any]]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(TARGET_PREFIX):
            raise errs.unknown_operation(target or "(no X-Amz-Target)")
        signed = credential_scope(environ)
        access_key = signed.access_key if signed else "testing"
        region = signed.region if signed else "us-east-1"
        scope = Scope(self.account_for(access_key), region)
        return target[len(TARGET_PREFIX) :], scope, parse_json_body(read_body(environ))


def respond(start_response: StartResponse, status: int, document: dict[str, Any]) -> list[bytes]:
    body = json.dumps(document, ensure_ascii=False).encode()
    reason = {200: "OK", 400: "Bad Request", 501: "Not Implemented"}.get(status, "Error")
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", CONTENT_TYPE),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )
    return [body]
