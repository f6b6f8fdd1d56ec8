"""The local AWS Chatbot: the ``chatbot`` control plane and the SNS endpoint it subscribes.

Construct and mount (after the gateway is listening, so the endpoint URL is known)::

    chatbot = ChatbotEmulator(endpoint_url, slack=slack_emulator, account_for=key_to_account)
    # gateway: requests signed for service "chatbot" and paths starting "/_chatbot/" go to
    # `chatbot(environ, start_response)`.  ``sns_publish_endpoint=`` is accepted as an alias of
    # ``endpoint_url`` (the shared contract's name).  ``endpoint_url`` may be None: it is then
    # taken from the Host of the first request.  ``account_for(access_key_id) -> account`` names
    # the caller's account (default: moto's 123456789012 for every key).

Control plane (REST-JSON, botocore's ``chatbot`` 2017-10-11 model): Create/Describe/Update/
DeleteSlackChannelConfiguration and DescribeSlackWorkspaces, with AWS's error shapes so boto3
raises its modelled classes.  A configuration subscribes ``<endpoint>/_chatbot/sns/<id>``
(protocol http) to each of its topics through SNS's real API and unsubscribes on update/delete;
real Chatbot subscribes ``https://global.sns-api.chatbot.amazonaws.com`` (delivery-path.md §1.4).

Delivery, metrics and logs are ``chatbot_delivery.py``'s (:class:`SnsEndpoint`): what becomes of
each notification is counted (:meth:`ChatbotEmulator.counters`) and recorded
(:meth:`ChatbotEmulator.deliveries`).  State is in memory; :meth:`reset` forgets it without
calling SNS (the local cloud resets SNS itself).

Not emulated: EventsThrottled (over 10 events/s; what Chatbot does with the excess is
[unconfirmed]), SNS signature verification, organization policies (State is always ENABLED), and
the API's region set (real Chatbot serves its API only in us-east-2, us-west-2, ap-southeast-1
and eu-west-1; this one answers in any region).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

from simulator.local.chatbot_delivery import (
    ChatbotCounters,
    ChatbotDelivery,
    ChatConfig,
    SnsEndpoint,
    read_body,
    sns_region,
)

__all__ = ["ChatbotCounters", "ChatbotDelivery", "ChatbotEmulator"]

StartResponse = Callable[..., Any]
_Result = tuple[int, dict[str, Any]]
_ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"  # applied when no guardrail is given
_PATTERNS = {  # botocore chatbot 2017-10-11 shapes
    "SlackTeamId": r"[0-9A-Z]{1,255}",
    "SlackChannelId": r"[A-Za-z0-9]+",
    "ConfigurationName": r"[A-Za-z0-9-_]{1,128}",
    "IamRoleArn": r"arn:aws:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:"
    r"[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}",
    "LoggingLevel": r"ERROR|INFO|NONE",
}


class _AwsFault(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class ChatbotEmulator:
    """The chatbot API plus the Chatbot SNS endpoint, delivering to a :class:`SlackEmulator`."""

    def __init__(
        self,
        endpoint_url: str | None = None,
        *,
        slack: Any,
        account_for: Callable[[str], str] | None = None,
        slack_token: str | None = None,
        sns_publish_endpoint: str | None = None,
    ) -> None:
        self.endpoint_url = (endpoint_url or sns_publish_endpoint or "").rstrip("/")
        self.slack, self.slack_token = slack, slack_token or slack.AWS_BOT_TOKEN
        # access key ID -> account; without it every caller is moto's default account
        self.account_for = account_for or (lambda _key: "123456789012")
        self._lock = threading.RLock()
        self._configs: dict[str, ChatConfig] = {}  # by ARN
        self._clients: dict[tuple[str, str], Any] = {}
        self._endpoint = SnsEndpoint(
            self._configs, self._lock, self._client, self._slack_url, self.slack_token
        )
        self._operations: dict[str, Callable[[dict[str, Any], str], _Result]] = {
            "/create-slack-channel-configuration": self._create,
            "/describe-slack-channel-configurations": self._describe,
            "/update-slack-channel-configuration": self._update,
            "/delete-slack-channel-configuration": self._delete,
            "/describe-slack-workspaces": self._workspaces,
        }

    # ---- plain-Python API ------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self._configs.clear()
            self._endpoint.reset()

    def counters(self, configuration: str) -> ChatbotCounters:
        """Counters of the configuration named ``configuration`` (its name or ARN)."""
        with self._lock:
            return self._find(configuration).counters

    def deliveries(self, configuration: str | None = None) -> list[ChatbotDelivery]:
        """Every notification's fate, oldest first; only ``configuration``'s when named."""
        return self._endpoint.deliveries(configuration)

    def _find(self, configuration: str) -> ChatConfig:
        for config in self._configs.values():
            if configuration in (config.arn, config.name):
                return config
        raise KeyError(f"no Chatbot configuration {configuration!r}")

    # ---- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if not self.endpoint_url:
            self.endpoint_url = f"{environ.get('wsgi.url_scheme', 'http')}://{environ['HTTP_HOST']}"
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/_chatbot/sns/"):
            status, body = self._endpoint.handle(path.removeprefix("/_chatbot/sns/"), environ)
            headers = [("Content-Type", "text/plain")]
        else:
            status, data, headers = self._control_plane(path, environ)
            body = json.dumps(data).encode() if data is not None else b""
        start_response(f"{status} {'OK' if status < 300 else 'Error'}", headers)
        return [body]

    def _control_plane(
        self, path: str, environ: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None, list[tuple[str, str]]]:
        json_type = [("Content-Type", "application/json")]
        operation = self._operations.get(path.rstrip("/"))
        try:
            if operation is None or environ.get("REQUEST_METHOD") != "POST":
                raise _AwsFault("UnknownOperationException", f"no operation at {path}", 404)
            params = _json_body(environ)
            status, data = operation(params, self.account_for(_access_key(environ)))
        except _AwsFault as fault:
            return _error(fault)
        return status, (data if status != 204 else None), json_type

    # ---- operations ------------------------------------------------------------------------
    def _create(self, params: dict[str, Any], account: str) -> _Result:
        _require(params, "SlackTeamId", "SlackChannelId", "IamRoleArn", "ConfigurationName")
        _validate(params)
        self._check_workspace(params["SlackTeamId"])
        name = params["ConfigurationName"]
        arn = f"arn:aws:chatbot::{account}:chat-configuration/slack-channel/{name}"
        with self._lock:
            if arn in self._configs:
                raise _AwsFault("ConflictException", f"Configuration {name} already exists.", 409)
            config = ChatConfig(uuid.uuid4().hex[:16], arn, self._fields(params, {}))
            self._configs[arn] = config
        try:
            self._subscribe_all(config, list(params.get("SnsTopicArns") or ()))
        except _AwsFault:
            self._drop(config)
            raise
        return 201, {"ChannelConfiguration": self._describe_one(config)}

    def _describe(self, params: dict[str, Any], account: str) -> _Result:
        limit = params.get("MaxResults", 100)
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            raise _AwsFault("InvalidParameterException", "MaxResults must be between 1 and 100")
        start = _decode_token(params.get("NextToken"))
        with self._lock:
            wanted = params.get("ChatConfigurationArn")
            configs = [
                c
                for c in self._configs.values()
                if wanted in (None, c.arn) and c.arn.split(":")[4] == account
            ]
            page = [self._describe_one(c) for c in configs[start : start + limit]]
        data: dict[str, Any] = {"SlackChannelConfigurations": page}
        if start + limit < len(configs):
            data["NextToken"] = _encode_token(start + limit)
        return 200, data

    def _update(self, params: dict[str, Any], account: str) -> _Result:
        _require(params, "ChatConfigurationArn", "SlackChannelId")
        _validate(params)
        with self._lock:
            config = self._configs.get(params["ChatConfigurationArn"])
            if config is None:
                raise _not_found(params["ChatConfigurationArn"])
            config.fields = self._fields(params, config.fields)
        if "SnsTopicArns" in params:
            wanted = list(params["SnsTopicArns"] or ())
            for topic in [t for t in config.subscriptions if t not in wanted]:
                self._unsubscribe(config, topic)
            self._subscribe_all(config, [t for t in wanted if t not in config.subscriptions])
        return 200, {"ChannelConfiguration": self._describe_one(config)}

    def _delete(self, params: dict[str, Any], account: str) -> _Result:
        _require(params, "ChatConfigurationArn")
        with self._lock:
            config = self._configs.get(params["ChatConfigurationArn"])
            if config is None:
                raise _not_found(params["ChatConfigurationArn"])
        self._drop(config)
        return 204, {}

    def _workspaces(self, params: dict[str, Any], account: str) -> _Result:
        workspace = {"SlackTeamId": self.slack.team_id, "SlackTeamName": self.slack.team_name}
        return 200, {"SlackWorkspaces": [{**workspace, "State": "ENABLED"}]}

    def _check_workspace(self, team_id: str) -> None:
        # The workspace must have been authorised in the console first (delivery-path.md §1.4);
        # the exact error AWS returns for an unknown team is [unconfirmed].
        if team_id != self.slack.team_id:
            raise _AwsFault(
                "InvalidParameterException",
                f"Slack workspace {team_id} is not authorized for AWS Chatbot in this account",
            )

    def _fields(self, params: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
        merged = {**old, **{k: v for k, v in params.items() if k != "ChatConfigurationArn"}}
        merged.setdefault("LoggingLevel", "NONE")
        merged.setdefault("UserAuthorizationRequired", False)
        if not merged.get("GuardrailPolicyArns"):
            merged["GuardrailPolicyArns"] = [_ADMIN]
        if not merged.get("SlackChannelName") or "SlackChannelId" in params:
            merged["SlackChannelName"] = params.get("SlackChannelName") or self._channel_name(
                merged["SlackChannelId"]
            )
        return merged

    def _channel_name(self, channel_id: str) -> str:
        try:
            return str(self.slack.channel_name(channel_id))
        except KeyError:
            return channel_id

    def _describe_one(self, config: ChatConfig) -> dict[str, Any]:
        out = {k: v for k, v in config.fields.items() if k != "SnsTopicArns"}
        out |= {"ChatConfigurationArn": config.arn, "SlackTeamName": self.slack.team_name}
        out |= {"SnsTopicArns": list(config.subscriptions), "State": "ENABLED"}
        out.setdefault("Tags", [])
        return out

    # ---- SNS subscriptions -----------------------------------------------------------------
    def _sns(self, topic_arn: str) -> Any:
        return self._client("sns", sns_region(topic_arn))

    def _slack_url(self) -> str:
        return self.endpoint_url + "/slack/api/"

    def _client(self, service: str, region: str) -> Any:
        """A boto3 client on the local cloud, made once (botocore clients are thread-safe)."""
        with self._lock:
            if (service, region) not in self._clients:
                import boto3

                session = boto3.session.Session(
                    aws_access_key_id="trailsim-chatbot",
                    aws_secret_access_key="trailsim-chatbot",  # the local cloud's dummy key
                    region_name=region,
                )
                client = session.client(service, endpoint_url=self.endpoint_url)
                self._clients[(service, region)] = client
            return self._clients[(service, region)]

    def _subscribe_all(self, config: ChatConfig, topics: list[str]) -> None:
        from botocore.exceptions import ClientError

        endpoint = f"{self.endpoint_url}/_chatbot/sns/{config.id}"
        for topic in topics:
            try:
                reply = self._sns(topic).subscribe(
                    TopicArn=topic, Protocol="http", Endpoint=endpoint, ReturnSubscriptionArn=True
                )
            except ClientError as err:
                detail = err.response.get("Error", {}).get("Message", str(err))
                raise _AwsFault(
                    "InvalidParameterException", f"SNS topic {topic}: {detail}"
                ) from err
            with self._lock:
                config.subscriptions[topic] = reply["SubscriptionArn"]

    def _unsubscribe(self, config: ChatConfig, topic: str) -> None:
        from botocore.exceptions import ClientError

        with self._lock:
            subscription = config.subscriptions.pop(topic, "")
        with suppress(ClientError):  # the topic is gone already: nothing left to remove
            self._sns(topic).unsubscribe(SubscriptionArn=subscription)

    def _drop(self, config: ChatConfig) -> None:
        # Forgotten first: a notification already in flight then counts as a failed delivery
        # ("deleted while in flight") instead of looking like a topic outside the configuration.
        with self._lock:
            self._configs.pop(config.arn, None)
        for topic in list(config.subscriptions):
            self._unsubscribe(config, topic)


# ---- wire helpers ------------------------------------------------------------------------------
def _error(fault: _AwsFault) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    # botocore's rest-json parser reads the code from x-amzn-ErrorType (or __type) and the
    # message from "message"/"Message"; ResourceNotFoundException models "Message".
    body = {"__type": fault.code, "message": fault.message, "Message": fault.message}
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", fault.code)]
    return fault.status, body, headers


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        params = json.loads(read_body(environ) or b"{}")
    except ValueError as err:
        raise _AwsFault("InvalidRequestException", "the request body is not JSON") from err
    if not isinstance(params, dict):
        raise _AwsFault("InvalidParameterException", "the request body must be a JSON object")
    return params


def _access_key(environ: dict[str, Any]) -> str:
    """The access key ID in a SigV4 Authorization header ("" when unsigned)."""
    match = re.search(r"Credential=([^/,\s]+)/", str(environ.get("HTTP_AUTHORIZATION", "")))
    return match.group(1) if match else ""


def _not_found(arn: str) -> _AwsFault:
    return _AwsFault("ResourceNotFoundException", f"Configuration {arn} was not found.", 404)


def _require(params: Mapping[str, Any], *names: str) -> None:
    for name in names:
        if not params.get(name):
            raise _AwsFault("InvalidParameterException", f"{name} is required")


def _validate(params: Mapping[str, Any]) -> None:
    for name, pattern in _PATTERNS.items():
        value = params.get(name)
        if value is not None and not (isinstance(value, str) and re.fullmatch(pattern, value)):
            raise _AwsFault(
                "InvalidParameterException", f"{name}={value!r} must match pattern {pattern}"
            )


def _encode_token(index: int) -> str:
    return base64.b64encode(f"offset:{index}".encode()).decode()


def _decode_token(token: object) -> int:
    if not token:
        return 0
    try:
        return int(base64.b64decode(str(token)).decode().removeprefix("offset:"))
    except ValueError as err:
        raise _AwsFault("InvalidParameterException", "NextToken is not valid") from err
