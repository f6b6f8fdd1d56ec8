"""Request parameters and response elements as CloudTrail logs them, from the IAM API's shapes.

The local cloud sees IAM's query parameters (``UserName=bob``) and response members
(``AccessKey.SecretAccessKey``, ``CreateDate``); CloudTrail logs camelCase keys, drops secrets
(rule 38) and writes IAM's ``createDate`` text (rule 11).  moto's user IDs are lower-case random
text; AWS's are ``AIDA`` IDs of the account, so those are replaced consistently with
:meth:`CallerIdentity.from_arn` (the same user always gets the same ID).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from simulator.events.clock import (
    CREATE_DATE_RE,
    create_date_text,
    parse_at,
    seed_window,
    seeded_time,
    version_for,
)
from simulator.events.cloudtrail import ClientSide, build_record
from simulator.events.identities import CallerIdentity, _unique_id
from simulator.events.ids import uuid4_text

# Members CloudTrail never logs.
_SECRET_KEYS = frozenset({"secretAccessKey", "password", "servicePassword", "sessionToken"})
# Query-protocol bookkeeping, not request parameters.
_PROTOCOL_KEYS = frozenset({"Action", "Version"})
_MEMBER_RE = re.compile(r"^(?P<name>\w+)\.member\.(?P<index>\d+)(?:\.(?P<field>\w+))?$")


def camel(name: str) -> str:
    """``UserName`` -> ``userName``; ``SSHPublicKeyId`` -> ``sSHPublicKeyId`` is not wanted, so
    leading capitals are lowered up to the last one of the run (``SSHPublicKeyId`` -> ``sshPublicKeyId``)."""
    run = len(name) - len(name.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    if run <= 1:
        return name[:1].lower() + name[1:]
    if run == len(name):
        return name.lower()
    return name[: run - 1].lower() + name[run - 1 :]


def _convert(value: Any, moment: datetime) -> Any:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            new_key = camel(str(key))
            if new_key in _SECRET_KEYS:
                continue
            out[new_key] = (
                _date_text(item, moment) if new_key == "createDate" else _convert(item, moment)
            )
        return out
    if isinstance(value, list | tuple):
        return [_convert(item, moment) for item in value]
    if isinstance(value, datetime):
        return create_date_text(parse_at(value))
    return value


def _date_text(value: Any, moment: datetime) -> Any:
    if isinstance(value, datetime):
        return create_date_text(parse_at(value))
    if isinstance(value, str) and not CREATE_DATE_RE.match(value):
        try:
            return create_date_text(parse_at(value))
        except Exception:  # not a time at all: leave as sent
            return value
    return value if value is not None else create_date_text(moment)


def query_parameters(query: Mapping[str, Any]) -> dict[str, Any]:
    """IAM query parameters (``Tags.member.1.Key``) as one nested mapping, protocol keys dropped."""
    out: dict[str, Any] = {}
    lists: dict[str, dict[int, Any]] = {}
    for key, value in query.items():
        if key in _PROTOCOL_KEYS:
            continue
        match = _MEMBER_RE.match(key)
        if match is None:
            out[key] = value
            continue
        items = lists.setdefault(match["name"], {})
        index = int(match["index"])
        if match["field"]:
            items.setdefault(index, {})[match["field"]] = value
        else:
            items[index] = value
    for name, items in lists.items():
        out[name] = [items[i] for i in sorted(items)]
    return out


def cloudtrail_shape(
    event_name: str,
    caller: CallerIdentity,
    request_parameters: Mapping[str, Any] | None,
    response_elements: Mapping[str, Any] | None,
    moment: datetime,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(requestParameters, responseElements) as CloudTrail shows them for ``event_name``."""
    params = _convert(query_parameters(request_parameters or {}), moment) or None
    response = _convert(dict(response_elements or {}), moment) or None
    if response is not None:
        response = _strip_result_wrappers(response, event_name)
    if event_name == "CreateAccessKey" and response and "accessKey" in response:
        key = dict(response["accessKey"])
        key.setdefault("status", "Active")
        key.setdefault("createDate", create_date_text(moment))
        response["accessKey"] = _ordered(key, ("accessKeyId", "status", "userName", "createDate"))
    if event_name == "CreateUser" and response and "user" in response:
        response["user"] = _realistic_user(dict(response["user"]), caller.account)
    return params, response


def _strip_result_wrappers(response: dict[str, Any], event_name: str) -> dict[str, Any]:
    # boto3/moto give {"CreateAccessKeyResult": {...}} or carry ResponseMetadata.
    response.pop("responseMetadata", None)
    inner = response.get(camel(event_name) + "Result")
    return dict(inner) if isinstance(inner, Mapping) else response


def _realistic_user(user: dict[str, Any], account: str) -> dict[str, Any]:
    arn = str(user.get("arn", ""))
    user["userId"] = _unique_id("AIDA", account, arn, str(user.get("userId", "")))
    return _ordered(user, ("path", "userName", "userId", "arn", "createDate", "tags"))


def _ordered(mapping: Mapping[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {key: mapping[key] for key in order if key in mapping}
    out.update({key: value for key, value in mapping.items() if key not in out})
    return out


def cloudtrail_error_code(code: str) -> str:
    """IAM error codes as CloudTrail writes them: ``LimitExceeded`` -> ``LimitExceededException``.

    CloudTrail adds ``Exception`` to IAM's wire codes except ``AccessDenied`` (rule 20).  Codes
    already ending in Exception or Error are left alone (**unconfirmed** for ...Error codes).
    """
    if code == "AccessDenied" or code.endswith(("Exception", "Error")):
        return code
    return code + "Exception"


# boto3 as the local cloud's callers usually are; callers pass the request's real User-Agent.
DEFAULT_USER_AGENT = (
    "Boto3/1.40.30 md/Botocore#1.40.30 ua/2.1 os/linux#6.8.0-1021-aws md/arch#x86_64 "
    "lang/python#3.12.9 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.40.30"
)


def record_for_api_call(
    *,
    event_name: str,
    caller: CallerIdentity,
    region: str,
    request_parameters: Mapping[str, Any] | None,
    response_elements: Mapping[str, Any] | None,
    error_code: str | None = None,
    error_message: str | None = None,
    source_ip: str = "127.0.0.1",
    user_agent: str = DEFAULT_USER_AGENT,
    at: datetime | str | None = None,
    event_id: str | None = None,
    request_id: str | None = None,
    read_only: bool = False,
    event_source: str = "iam.amazonaws.com",
) -> dict[str, Any]:
    """A realistic CloudTrail record for an API call someone actually made (the local cloud).

    ``request_parameters``/``response_elements`` may be CloudTrail-shaped (camelCase) or as the
    IAM API has them (``UserName``, ``AccessKey.SecretAccessKey``, datetime ``CreateDate``); see
    :func:`simulator.events.apicalls.cloudtrail_shape`.  Secrets and passwords are dropped.  The
    eventVersion is the one IAM records carried at ``at``.  Without ``at``/IDs, values are
    derived from a hash of the call, so the same call gives the same record.
    """
    digest = hashlib.blake2b(
        repr(
            (event_name, caller.arn, region, request_parameters, response_elements, error_code)
        ).encode(),
        digest_size=32,
    ).digest()
    bits = int.from_bytes(digest, "big")
    moment = seeded_time(*seed_window("1.11"), bits) if at is None else parse_at(at)
    version = version_for(moment)
    params, response = cloudtrail_shape(
        event_name, caller, request_parameters, response_elements, moment
    )
    error = None
    if error_code is not None:
        error = (cloudtrail_error_code(error_code), error_message or "")
    return build_record(
        version=version,
        caller=caller,
        moment=moment,
        event_source=event_source,
        event_name=event_name,
        region=region,
        client=_client_side(caller, source_ip, user_agent, event_source, region),
        request_parameters=params,
        response_elements=response,
        request_id=request_id or uuid4_text(bits >> 128),
        event_id=event_id or uuid4_text(bits),
        read_only=read_only,
        error=error,
    )


def _client_side(
    caller: CallerIdentity, source_ip: str, user_agent: str, event_source: str, region: str
) -> ClientSide:
    # A console session says so with 'AWS Internal' (rule 29); console and service-invoked calls
    # carry no tlsDetails (rules 29, 30).
    console = caller.access_key_id.startswith("ASIA") and user_agent == "AWS Internal"
    if console or caller.invoked_by:
        return ClientSide(source_ip, user_agent, None, console)
    tls = {
        "tlsVersion": "TLSv1.3",
        "cipherSuite": "TLS_AES_128_GCM_SHA256",
        "clientProvidedHostHeader": _host(event_source, region),
    }
    return ClientSide(source_ip, user_agent, tls, console)


def _host(event_source: str, region: str) -> str:
    service = event_source.split(".", 1)[0]
    if service == "iam":  # IAM is global: one endpoint
        return "iam.amazonaws.com"
    return f"{service}.{region}.amazonaws.com"
