"""`LocalCloud`: the whole alert pipeline on one loopback HTTP server, in this process.

Like pytest-httpserver's ``HTTPServerBase.start()``, it runs werkzeug's ``make_server`` in a
daemon thread on 127.0.0.1, port 0 by default, and reads back the real port.  boto3 reaches it
with ``endpoint_url``; slack_sdk with ``base_url=cloud.slack_base_url``.
"""

from __future__ import annotations

import importlib
import logging
import threading
from types import TracebackType
from typing import Any

from simulator.errors import LocalCloudError
from simulator.local.cloudtrail import CloudTrailTap
from simulator.local.delivery import DUMMY_SECRET, TargetDispatcher
from simulator.local.eventbridge import EventBridgeBackend
from simulator.local.eventbridge_model import Scope
from simulator.local.eventbridge_wire import EventBridgeWire
from simulator.local.gateway import Gateway, WsgiApp, not_implemented
from simulator.local.moto_app import MotoApp

log = logging.getLogger(__name__)
HOST = "127.0.0.1"


class LocalCloud:
    """The local cloud: EventBridge, CloudTrail emitter, Chatbot, Slack and moto behind a gateway.

    Use it as a context manager (``with LocalCloud() as cloud:``), or call `start()`/`stop()`.
    Attributes: `endpoint_url`, `slack_base_url`, `eventbridge` (the `EventBridgeBackend`),
    `chatbot`, `slack` (D1's emulators), `dispatcher` (its `failed_invocations` and `dead_lettered`), `moto`.
    Delivery to targets is asynchronous, as on AWS; `wait_delivered()` waits for it.
    moto keeps its state in module globals, so LocalClouds in one process share IAM/SNS/SQS
    state, and `reset()` on one clears moto for all.
    """

    def __init__(self, port: int = 0, host: str = HOST, *, require_trail: bool = False) -> None:
        """`require_trail=True` emits CloudTrail events only while a trail records IAM writes,
        as AWS does (delivery-path.md §2.5); by default IAM calls always emit."""
        if host not in ("127.0.0.1", "localhost"):
            raise LocalCloudError(f"host={host!r}: the local cloud binds loopback only")
        self.host, self.port = host, port
        self.require_trail = require_trail
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.moto = MotoApp()
        self.eventbridge = EventBridgeBackend()
        self.dispatcher: TargetDispatcher | None = None
        self.gateway = Gateway({"moto": self.moto})
        self.slack: Any = None
        self.chatbot: Any = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> LocalCloud:
        from werkzeug.serving import make_server

        if self._server is not None:
            return self
        try:
            self._server = make_server(
                self.host, self.port, self.gateway, threaded=True, request_handler=_quiet_handler()
            )
        except OSError as err:
            raise LocalCloudError(f"cannot listen on {self.host}:{self.port}: {err}") from err
        self.port = int(self._server.server_address[1])
        try:
            self.gateway.apps.update(self._apps())
        except Exception as err:  # an emulator that cannot be built: release the port
            self._server.server_close()
            self._server = None
            raise LocalCloudError(f"the local cloud could not start: {err}") from err
        self.dispatcher = TargetDispatcher(self.endpoint_url, self.gateway.record_error)
        self.eventbridge.dispatch = self.dispatcher.submit
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="trailsim-local-cloud", daemon=True
        )
        self._thread.start()
        log.info("local cloud listening on %s", self.endpoint_url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port; state is dropped with the object."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.dispatcher is not None:
            self.dispatcher.stop()
        self._server = self._thread = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- wiring -------------------------------------------------------------------------------
    def _apps(self) -> dict[str, WsgiApp]:
        account_for = self.account_for
        self.slack = _load("simulator.local.slack", "SlackEmulator", lambda cls: cls())
        self.chatbot = _load(
            "simulator.local.chatbot",
            "ChatbotEmulator",
            lambda cls: cls(
                sns_publish_endpoint=self.endpoint_url, slack=self.slack, account_for=account_for
            ),
        )
        return {
            "eventbridge": EventBridgeWire(self.eventbridge, account_for),
            "iam": CloudTrailTap(
                self.moto, self._emit, self.gateway.record_error, require_trail=self.require_trail
            ),
            "slack": self.slack if self.slack is not None else not_implemented("Slack"),
            "chatbot": self.chatbot if self.chatbot is not None else not_implemented("chatbot"),
        }

    def account_for(self, access_key_id: str) -> str:
        """The account an access key belongs to in the local IAM (moto's default otherwise)."""
        return self.moto.caller(access_key_id).account

    def _emit(self, account: str, event: dict[str, Any]) -> None:
        self.eventbridge.inject(Scope(account, "us-east-1"), event)

    # -- public API ---------------------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise LocalCloudError(
                "the local cloud is not running; use 'with LocalCloud() as cloud'"
            )
        return f"http://{self.host}:{self.port}"

    @property
    def slack_base_url(self) -> str:
        return self.endpoint_url + "/slack/api/"

    def session(self, region: str = "us-east-1") -> Any:
        """A boto3 Session with dummy credentials (moto's default account)."""
        import boto3

        return boto3.session.Session(
            aws_access_key_id=DUMMY_SECRET,
            aws_secret_access_key=DUMMY_SECRET,
            region_name=region,
        )

    def client(self, service: str, region: str = "us-east-1") -> Any:
        """A boto3 client for `service` pointed at the local cloud."""
        return self.session(region).client(service, endpoint_url=self.endpoint_url)

    def wait_delivered(self, timeout: float = 10.0) -> bool:
        """Wait until every event put so far has been delivered to its targets."""
        return self.dispatcher.wait_idle(timeout) if self.dispatcher is not None else True

    def reset(self) -> None:
        """Forget all state: moto's backends, EventBridge, SNS fan-out failures, Chatbot, Slack
        and server errors."""
        if self.dispatcher is not None:
            self.dispatcher.reset()
        self.moto.reset()
        self.eventbridge.reset()
        for emulator in (self.gateway.apps.get("sns"), self.chatbot, self.slack):
            reset = getattr(emulator, "reset", None)
            if reset is not None:
                reset()
        self.gateway.take_errors()

    def check(self) -> None:
        """Re-raise the first error the server threads caught since the last check."""
        errors = self.gateway.take_errors()
        if errors:
            raise LocalCloudError(
                f"the local cloud failed while serving ({len(errors)} error(s)): "
                f"{type(errors[0]).__name__}: {errors[0]}"
            ) from errors[0]


def _quiet_handler() -> Any:
    """werkzeug's request handler, logging requests at DEBUG instead of printing each one."""
    from werkzeug.serving import WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            log.debug("%s %s -> %s", self.command, self.path, code)

    return QuietHandler


def _load(module: str, name: str, build: Any) -> Any:
    """D1's emulators, imported lazily: None (and a 501 route) while a module is missing."""
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        log.warning("local cloud: %s.%s unavailable (%s); serving 501", module, name, err)
        return None
    return build(cls)
