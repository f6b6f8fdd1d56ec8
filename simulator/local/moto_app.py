"""moto's server app, in this process, through its public pieces only.

``DomainDispatcherApplication(create_backend_app)`` is the WSGI app ``moto_server`` serves; the
local cloud mounts it behind its gateway.  State is reset with ``POST /moto-api/reset`` (moto's
documented reset endpoint), and the caller of a request is resolved with STS GetCallerIdentity
through the same app, so an access key created in the local IAM names its user, as on AWS.

moto keeps its backends in module globals: every LocalCloud in one process shares moto's state.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.test import Client, EnvironBuilder

from simulator.errors import LocalCloudError
from simulator.local.gateway import Captured, call_app
from simulator.local.sigv4 import credential_scope

WsgiApp = Any  # a WSGI callable: (environ, start_response) -> iterable of bytes

_STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15"
_FORM = "application/x-www-form-urlencoded; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a request, as the local STS answers GetCallerIdentity."""

    access_key_id: str
    user_id: str
    account: str
    arn: str


def create_moto_app() -> WsgiApp:
    """moto's multi-service WSGI app (the one `moto_server` runs)."""
    # The names `moto.server` re-exports (moto's documented server entry point), imported from
    # the module that defines them so type checkers see them.
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def authorization_header(access_key_id: str, service: str, region: str = "us-east-1") -> str:
    """A SigV4-shaped Authorization header; moto reads the key and scope, not the signature."""
    scope = f"{access_key_id}/20250101/{region}/{service}/aws4_request"
    return f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0"


class MotoApp:
    """moto's app plus the two public calls the local cloud needs: reset and who-am-I."""

    def __init__(self) -> None:
        self.app = create_moto_app()
        self._client = Client(self.app)
        self._lock = threading.Lock()
        self._callers: dict[str, Caller] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        # DomainDispatcherApplication.__call__ is get_application() then the backend's app; doing
        # the two steps here lets a request moto cannot route get an answer instead of a crash.
        try:
            backend_app = self.app.get_application(environ)
        except Exception:
            return unroutable(environ, start_response)
        return backend_app(environ, start_response)

    def reset(self) -> None:
        """Clear every moto backend (IAM, SNS, SQS, STS, ...) with moto's reset endpoint."""
        response = self._client.post("/moto-api/reset")
        if response.status_code != 200:
            raise LocalCloudError(f"moto reset failed with HTTP {response.status_code}")
        with self._lock:
            self._callers.clear()

    def caller(self, access_key_id: str) -> Caller:
        """The identity behind `access_key_id` (STS GetCallerIdentity); cached until reset."""
        with self._lock:
            known = self._callers.get(access_key_id)
        if known is not None:
            return known
        found = self._get_caller_identity(access_key_id)
        with self._lock:
            self._callers[access_key_id] = found
        return found

    def forget_caller(self, access_key_id: str) -> None:
        """Drop a cached identity (after the key was deleted or its user changed)."""
        with self._lock:
            self._callers.pop(access_key_id, None)

    def _get_caller_identity(self, access_key_id: str) -> Caller:
        response = self._client.post(
            "/",
            data=_STS_BODY,
            headers={
                "Authorization": authorization_header(access_key_id, "sts"),
                "Content-Type": _FORM,
            },
        )
        if response.status_code != 200:
            raise LocalCloudError(f"STS GetCallerIdentity failed with HTTP {response.status_code}")
        fields = xml_fields(response.get_data(), ("UserId", "Account", "Arn"))
        return Caller(access_key_id, fields["UserId"], fields["Account"], fields["Arn"])


def xml_fields(body: bytes, names: tuple[str, ...]) -> dict[str, str]:
    """The first element named like each of `names` in an AWS Query XML reply (namespaces ignored)."""
    found: dict[str, str] = {}
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return found
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local in names and local not in found:
            found[local] = (element.text or "").strip()
    return found


def unroutable(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The answer to a request no emulator serves: a malformed signature or an unknown service."""
    signed = credential_scope(environ)
    if environ.get("HTTP_AUTHORIZATION") and signed is None:
        status, code = "400 Bad Request", "IncompleteSignatureException"
        message = (
            "Authorization header requires a Credential=<key>/<date>/<region>/<service> scope."
        )
    else:
        status, code = "501 Not Implemented", "NotImplementedException"
        service = signed.service if signed else "(unknown)"
        message = f"The local cloud does not emulate the service '{service}'."
    body = json.dumps({"__type": code, "message": message}).encode()
    start_response(
        status, [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))]
    )
    return [body]


class MotoCaller:
    """Calls into moto's in-process app on behalf of a request's caller."""

    def __init__(self, moto: WsgiApp, environ: Mapping[str, Any]) -> None:
        self.moto = moto
        self.authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
        self.account = str(environ.get("HTTP_X_MOTO_ACCOUNT_ID", ""))
        signed = credential_scope(dict(environ))
        self.access_key = signed.access_key if signed is not None else "testing"

    def sns(self, action: str, **params: str) -> Captured:
        form = {"Action": action, "Version": "2010-03-31", **params}
        headers = {"Authorization": self.authorization, "Content-Type": _FORM}
        if self.account:
            headers["x-moto-account-id"] = self.account
        return self._post(headers, data=form)

    def sqs_send(self, queue_arn: str, body: str) -> str:
        """SQS SendMessage to the queue named by `queue_arn`; "" when sent, else the error."""
        parts = queue_arn.split(":")
        if len(parts) != 6 or parts[2] != "sqs":
            return f"not an SQS queue ARN: {queue_arn}"
        reply = self.sqs(queue_arn, "SendMessage", {"MessageBody": body})
        return "" if reply.code == 200 else f"SQS SendMessage: HTTP {reply.code} {reply.body!r}"

    def sqs(self, queue_arn: str, action: str, request: Mapping[str, Any]) -> Captured:
        """An SQS JSON-protocol call on the queue named by `queue_arn`, as its owner."""
        region, account, name = queue_arn.split(":")[3:6]
        headers = {
            "Authorization": authorization_header(self.access_key, "sqs", region),
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"AmazonSQS.{action}",
            "x-moto-account-id": account,  # the queue owner's account
        }
        queue_url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
        data = json.dumps({"QueueUrl": queue_url, **request}).encode()
        return self._post(headers, data=data)

    def _post(self, headers: Mapping[str, str], data: Any) -> Captured:
        environ = EnvironBuilder(method="POST", path="/", headers=list(headers.items()), data=data)
        try:
            return call_app(self.moto, environ.get_environ())
        finally:
            environ.close()
