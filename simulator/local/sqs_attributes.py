"""SQS SetQueueAttributes as AWS does it: only the attributes named in the request change.

moto 5.x sets a queue's ``Policy`` from every SetQueueAttributes request, so a request that
names only ``VisibilityTimeout`` wipes the policy (``Queue._set_attributes`` assigns
``attributes.get("Policy")``).  On AWS, SetQueueAttributes changes the attributes it is given
and no others (SQS API reference, SetQueueAttributes).  Since EventBridge delivers to an SQS
target only when the queue's policy lets it (target_access.py), a wiped policy would fail
deliveries that succeed on AWS.

`SqsAttributesApp` sits in front of moto's SQS: a SetQueueAttributes request (JSON or query
protocol) that does not name ``Policy`` gets the queue's current policy added, read with
GetQueueAttributes through moto's public API with the caller's own credentials.  Every other
SQS call goes to moto unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from werkzeug.test import EnvironBuilder

from simulator.local.gateway import WsgiApp, call_app
from simulator.local.sigv4 import read_body, replace_body

JSON_TARGET = "AmazonSQS.SetQueueAttributes"
POLICY = "Policy"


class SqsAttributesApp:
    """A WSGI app in front of moto's SQS that keeps a queue's policy unless a request sets it."""

    def __init__(self, moto: WsgiApp) -> None:
        self.moto = moto

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") == JSON_TARGET:
            _keep_policy_json(self.moto, environ)
        elif _query_action(environ) == "SetQueueAttributes":
            _keep_policy_query(self.moto, environ)
        captured = call_app(self.moto, environ)
        start_response(captured.status, captured.headers or [])
        return [captured.body]


def _keep_policy_json(moto: WsgiApp, environ: dict[str, Any]) -> None:
    try:
        request = json.loads(read_body(environ) or b"{}")
    except ValueError:
        return  # moto answers the malformed request
    attributes = request.get("Attributes") if isinstance(request, dict) else None
    if not isinstance(attributes, dict) or POLICY in attributes:
        return
    policy = _current_policy(moto, environ, request.get("QueueUrl"))
    if policy is not None:
        attributes[POLICY] = policy
        replace_body(environ, json.dumps(request).encode())


def _query_action(environ: dict[str, Any]) -> str | None:
    if not str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        return None
    return dict(parse_qsl(read_body(environ).decode("utf-8", "replace"))).get("Action")


def _keep_policy_query(moto: WsgiApp, environ: dict[str, Any]) -> None:
    fields = parse_qsl(read_body(environ).decode("utf-8", "replace"), keep_blank_values=True)
    names = [v for k, v in fields if k.startswith("Attribute.") and k.endswith(".Name")]
    if POLICY in names:
        return
    policy = _current_policy(moto, environ, dict(fields).get("QueueUrl"))
    if policy is not None:
        number = len(names) + 1
        fields += [(f"Attribute.{number}.Name", POLICY), (f"Attribute.{number}.Value", policy)]
        replace_body(environ, urlencode(fields).encode())


def _current_policy(moto: WsgiApp, environ: dict[str, Any], queue_url: object) -> str | None:
    """The queue's policy, asked of moto with the caller's credentials (None: none, or error)."""
    if not isinstance(queue_url, str):
        return None
    headers = {
        "Authorization": str(environ.get("HTTP_AUTHORIZATION", "")),
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "AmazonSQS.GetQueueAttributes",
    }
    account = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if account:
        headers["x-moto-account-id"] = str(account)
    data = json.dumps({"QueueUrl": queue_url, "AttributeNames": [POLICY]}).encode()
    builder = EnvironBuilder(method="POST", path="/", headers=list(headers.items()), data=data)
    try:
        reply = call_app(moto, builder.get_environ())
    finally:
        builder.close()
    if reply.code != 200:
        return None
    try:
        policy = json.loads(reply.body).get("Attributes", {}).get(POLICY)
    except (ValueError, AttributeError):
        return None
    return policy if isinstance(policy, str) else None
