"""The local cloud's front door: one WSGI app that routes each request by a table.

A request is routed by its path prefix (the local Slack, the Chatbot's SNS endpoint) or by the
service it is addressed to: the SigV4 credential scope, or for unsigned JSON calls the
``X-Amz-Target`` prefix.  The first matching `Route` wins; anything unmatched goes to moto.
SNS goes to `sns_publish.SnsPublishApp`, which performs Publish with AWS's delivery format and
passes every other SNS call to moto; SQS to `sqs_attributes.SqsAttributesApp`, which keeps a
queue's policy through SetQueueAttributes calls that do not set it (moto wipes it).
Errors the apps raise are kept for `LocalCloud.check()` (as pytest-httpserver's ``check()``
does) and answered with AWS's ``InternalFailure`` shape.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.local.sigv4 import credential_scope

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# X-Amz-Target prefixes of the JSON services trailsim serves itself (unsigned requests).
TARGET_SERVICES = {"AWSEvents": "events"}


@dataclass(frozen=True, slots=True)
class Route:
    """Send requests whose path starts with `path_prefix`, or addressed to `service`, to `app`."""

    app: str
    path_prefix: str | None = None
    service: str | None = None

    def matches(self, path: str, service: str | None) -> bool:
        if self.path_prefix is not None:
            return path.startswith(self.path_prefix)
        return service is not None and service == self.service


ROUTES: tuple[Route, ...] = (
    Route("slack", path_prefix="/slack/"),
    Route("chatbot", path_prefix="/_chatbot/"),
    Route("eventbridge", service="events"),
    Route("chatbot", service="chatbot"),
    Route("iam", service="iam"),  # moto, watched by the CloudTrail emitter
    Route("sns", service="sns"),  # Publish with AWS's fan-out format, the rest to moto
    Route("sqs", service="sqs"),  # SetQueueAttributes keeps the policy, as AWS does
)
DEFAULT_APP = "moto"


def request_service(environ: Mapping[str, Any]) -> str | None:
    """The AWS service a request is addressed to, as moto's dispatcher infers it."""
    signed = credential_scope(dict(environ))
    if signed is not None:
        return signed.service
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    return TARGET_SERVICES.get(target.split(".", 1)[0]) if target else None


def choose_app(environ: Mapping[str, Any], routes: tuple[Route, ...] = ROUTES) -> str:
    path = str(environ.get("PATH_INFO", ""))
    service = request_service(environ)
    return next((r.app for r in routes if r.matches(path, service)), DEFAULT_APP)


@dataclass
class Captured:
    """A response held back so that it can be read (by the emitter) before it is sent."""

    status: str = "500 Internal Server Error"
    headers: list[tuple[str, str]] | None = None
    body: bytes = b""

    @property
    def code(self) -> int:
        return int(self.status.split(" ", 1)[0])


def call_app(app: WsgiApp, environ: dict[str, Any]) -> Captured:
    """Run a WSGI app to completion and capture its status, headers and body."""
    captured = Captured()

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured.status, captured.headers = status, list(headers)
        return lambda data: None

    result = app(environ, start_response)
    try:
        captured.body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured


class Gateway:
    """The WSGI app the local cloud's HTTP server runs."""

    def __init__(self, apps: Mapping[str, WsgiApp], routes: tuple[Route, ...] = ROUTES) -> None:
        self.apps = dict(apps)
        if "sns" not in self.apps and DEFAULT_APP in self.apps:
            # Imported here: sns_publish builds on this module's call_app.
            from simulator.local.sns_publish import SnsPublishApp

            self.apps["sns"] = SnsPublishApp(self.apps[DEFAULT_APP])
        if "sqs" not in self.apps and DEFAULT_APP in self.apps:
            from simulator.local.sqs_attributes import SqsAttributesApp

            self.apps["sqs"] = SqsAttributesApp(self.apps[DEFAULT_APP])
        self.routes = routes
        self.errors: list[BaseException] = []
        self._errors_lock = threading.Lock()

    def record_error(self, err: BaseException) -> None:
        with self._errors_lock:
            self.errors.append(err)

    def take_errors(self) -> list[BaseException]:
        with self._errors_lock:
            taken, self.errors = self.errors, []
        return taken

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        name = choose_app(environ, self.routes)
        app = self.apps.get(name) or self.apps[DEFAULT_APP]
        try:
            captured = call_app(app, environ)
        except Exception as err:  # an emulator bug: keep it for check(), answer like AWS would
            log.exception("local cloud: %s app failed", name)
            self.record_error(err)
            captured = internal_failure()
        start_response(captured.status, captured.headers or [])
        return [captured.body]


def internal_failure() -> Captured:
    body = json.dumps({"__type": "InternalFailure", "message": "An internal error occurred."})
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))]
    return Captured("500 Internal Server Error", headers, body.encode())


def not_implemented(service: str) -> WsgiApp:
    """A stand-in app answering AWS's 501 shape, for a part of the local cloud not yet present."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = json.dumps(
            {
                "__type": "NotImplementedException",
                "message": f"The local cloud has no {service} emulator in this build.",
            }
        ).encode()
        start_response(
            "501 Not Implemented",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app
