"""Realism rules about the caller: userIdentity shape per type, sessions, console, services (§2, §9)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any

from simulator.events.clock import EVENT_TIME_RE, parse_event_time
from simulator.events.identities import version_at_least

Record = Mapping[str, Any]
_CONSOLE_AGENTS = ("signin.amazonaws.com", "console.amazonaws.com")


def is_console(record: Record) -> bool:
    """A console call: recent markers, or the pre-2021 signin.amazonaws.com ones."""
    return record.get("sessionCredentialFromConsole") == "true" or (
        record.get("userIdentity", {}).get("invokedBy") == "signin.amazonaws.com"
    )


def is_service_invoked(record: Record) -> bool:
    invoked_by = record.get("userIdentity", {}).get("invokedBy")
    return invoked_by is not None and invoked_by != "signin.amazonaws.com"


def _caller_shape(record: Record) -> Iterator[str]:
    identity = record.get("userIdentity", {})
    kind, arn = identity.get("type"), str(identity.get("arn", ""))
    account, principal = identity.get("accountId"), str(identity.get("principalId", ""))
    if kind == "IAMUser":
        if not re.match(r"^AIDA[A-Z2-7]{17}$", principal):
            yield f"IAMUser principalId {principal!r} is not an AIDA ID"
        if not arn.startswith(f"arn:aws:iam::{account}:user/"):
            yield f"IAMUser arn {arn!r} is not a user ARN of the account"
        if "userName" in identity and arn.rsplit("/", 1)[-1] != identity["userName"]:
            yield "userName is not the last segment of the user ARN"
    elif kind == "Root":
        if principal != account or arn != f"arn:aws:iam::{account}:root":
            yield "Root principalId/arn do not match the account"
    elif kind == "AssumedRole":
        yield from _assumed_role(identity, arn, principal)
    elif kind == "FederatedUser":
        name = arn.rsplit("/", 1)[-1]
        if principal != f"{account}:{name}" or ":federated-user/" not in arn:
            yield "FederatedUser principalId must be '<account>:<name>' of its arn"
        if "userName" in identity:
            yield "FederatedUser has no top-level userName"
    key = str(identity.get("accessKeyId", ""))
    if key.startswith("AKIA") and "sessionContext" in identity:
        yield "long-term AKIA keys have no sessionContext"
    if key.startswith("ASIA") and "attributes" not in identity.get("sessionContext", {}):
        yield "ASIA keys come with sessionContext.attributes"


def _assumed_role(identity: Mapping[str, Any], arn: str, principal: str) -> Iterator[str]:
    if "userName" in identity:
        yield "AssumedRole has no top-level userName"
    match = re.match(r"^arn:aws:sts::\d{12}:assumed-role/([^/]+)/(.+)$", arn)
    if match is None:
        yield f"AssumedRole arn {arn!r} is not arn:aws:sts::<acct>:assumed-role/<role>/<session>"
        return
    issuer = identity.get("sessionContext", {}).get("sessionIssuer", {})
    if issuer.get("userName") != match.group(1) or issuer.get("type") != "Role":
        yield "sessionIssuer is not the Role named in the assumed-role ARN"
    if principal != f"{issuer.get('principalId')}:{match.group(2)}":
        yield "AssumedRole principalId is not '<sessionIssuer.principalId>:<session>'"


def _session(record: Record) -> Iterator[str]:
    context = record.get("userIdentity", {}).get("sessionContext")
    version = str(record.get("eventVersion", "1.11"))
    if context is None:
        return
    modern = version_at_least(version, "1.09")
    for name in ("sessionIssuer", "webIdFederationData"):
        if modern and context.get(name) == {}:
            yield f"empty {name} appears at {version} (omitted from 1.09)"
        if not modern and name not in context:
            yield f"{name} is missing at {version} (shown, possibly empty, up to 1.08)"
    created = context.get("attributes", {}).get("creationDate")
    event_time = str(record.get("eventTime", ""))
    # Credential lifetimes: role sessions up to 12 h [STS-AR], GetSessionToken up to 36 h [STS-GST].
    kind = record.get("userIdentity", {}).get("type")
    limit = timedelta(hours=12 if kind == "AssumedRole" else 36)
    if (
        isinstance(created, str)
        and EVENT_TIME_RE.match(created)
        and EVENT_TIME_RE.match(event_time)
    ):
        age = parse_event_time(event_time) - parse_event_time(created)
        if not timedelta(0) <= age <= limit:
            yield f"session creationDate {created} is not within {limit} before eventTime"
    elif created is not None:
        yield f"session creationDate {created!r} is not YYYY-MM-DDTHH:MM:SSZ"


def _console(record: Record) -> Iterator[str]:
    if record.get("sessionCredentialFromConsole") == "true":
        if record.get("userAgent") != "AWS Internal":
            yield "console calls (sessionCredentialFromConsole) have userAgent 'AWS Internal'"
        if not str(record.get("userIdentity", {}).get("accessKeyId", "")).startswith("ASIA"):
            yield "console sessions use ASIA keys"
    if record.get("userIdentity", {}).get("invokedBy") == "signin.amazonaws.com" and (
        record.get("userAgent") not in _CONSOLE_AGENTS
    ):
        yield "signin-invoked calls have a signin/console userAgent"


def _service_invoked(record: Record) -> Iterator[str]:
    if not is_service_invoked(record):
        return
    service = record["userIdentity"]["invokedBy"]
    if record.get("sourceIPAddress") != service or record.get("userAgent") != service:
        yield f"service-invoked calls have sourceIPAddress and userAgent {service}"


def _mfa(record: Record) -> Iterator[str]:
    identity = record.get("userIdentity", {})
    if (
        record.get("eventSource") == "iam.amazonaws.com"
        and identity.get("type") == "IAMUser"
        and str(identity.get("accessKeyId", "")).startswith("ASIA")
        and not is_console(record)
    ):
        attributes = identity.get("sessionContext", {}).get("attributes", {})
        if attributes.get("mfaAuthenticated") != "true":
            yield "GetSessionToken credentials reach IAM only with mfaAuthenticated 'true'"


def _federated(record: Record) -> Iterator[str]:
    if (
        record.get("userIdentity", {}).get("type") == "FederatedUser"
        and record.get("eventSource") == "iam.amazonaws.com"
        and not is_console(record)
    ):
        yield "federated users reach IAM only through the console"


IDENTITY_RULES: Mapping[str, Callable[[Record], Iterator[str]]] = {
    "caller-shape": _caller_shape,
    "session": _session,
    "console-markers": _console,
    "service-invoked": _service_invoked,
    "mfa": _mfa,
    "federated-console": _federated,
}
