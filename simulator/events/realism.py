"""Realism checks: does a record look like one AWS wrote?  (research/cloudtrail-anatomy.md §9)

``realism_problems(record)`` returns one line per broken rule, ``"<rule>: <what is wrong>"``,
empty when the record passes.  Rules that do not apply to a record (CreateAccessKey-only rules on
other events) are skipped.  ``ignore`` names rules to skip, for records that break one on
purpose: the local cloud's calls come from ``127.0.0.1`` (``ignore={"public-ip"}``), and the
``iam-wrong-region`` near miss is outside us-east-1 (``{"iam-region"}``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any

from simulator.events.clients import anachronisms
from simulator.events.clock import (
    CREATE_DATE_RE,
    EVENT_TIME_RE,
    parse_create_date,
    parse_event_time,
    version_for,
)
from simulator.events.cloudtrail import FIELD_SINCE
from simulator.events.envelope import DETAIL_TYPES, event_bridge_source
from simulator.events.identities import version_at_least
from simulator.events.ids import UUID4_RE, UUID_RE, decode_account, is_new_format
from simulator.events.realism_identity import IDENTITY_RULES, is_console, is_service_invoked
from simulator.events.realism_key import CREATE_KEY_RULES

Record = Mapping[str, Any]
Rule = Callable[[Record], Iterator[str]]

_ID_TOKEN_RE = re.compile(r"\b(AKIA|ASIA|AIDA|AROA|ACCA|AGPA|ANPA|AIPA)[A-Z0-9]{12,}\b")
_ARN_ACCOUNT_RE = re.compile(r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d+):")
_SECRET_NAMES = frozenset({"secretaccesskey", "password", "sessiontoken", "servicepassword"})
ORDER = (
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "apiVersion",
    "managementEvent",
    "recipientAccountId",
    "sharedEventID",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "eventCategory",
    "addendum",
    "tlsDetails",
    "sessionCredentialFromConsole",
)
_DOC_NETS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _keys(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            yield sub, str(key)
            yield from _keys(item, sub)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _keys(item, f"{path}[{index}]")


def _event_time(record: Record) -> Iterator[str]:
    if not EVENT_TIME_RE.match(str(record.get("eventTime", ""))):
        yield f"eventTime {record.get('eventTime')!r} is not YYYY-MM-DDTHH:MM:SSZ"


def _version_fields(record: Record) -> Iterator[str]:
    version = record.get("eventVersion")
    if not isinstance(version, str) or not re.match(r"^1\.\d\d?$", version):
        yield f"eventVersion {version!r} is not a string like '1.11'"
        return
    for name, since in FIELD_SINCE.items():
        if name in record and not version_at_least(version, since):
            yield f"{name} appears at eventVersion {version}, but only exists from {since}"
    if version_at_least(version, "1.06") and record.get("eventType") == "AwsApiCall":
        for name in ("managementEvent", "eventCategory", "readOnly"):
            if name not in record and version_at_least(version, FIELD_SINCE[name]):
                yield f"{name} is missing at eventVersion {version}"


def _version_date(record: Record) -> Iterator[str]:
    if record.get("eventSource") != "iam.amazonaws.com" or not EVENT_TIME_RE.match(
        str(record.get("eventTime", ""))
    ):
        return
    expected = version_for(parse_event_time(record["eventTime"]))
    if record.get("eventVersion") != expected:
        yield (
            f"eventVersion {record.get('eventVersion')!r} does not fit eventTime "
            f"{record['eventTime']} (IAM records then carried {expected})"
        )


def _json_types(record: Record) -> Iterator[str]:
    for name in ("readOnly", "managementEvent"):
        if name in record and not isinstance(record[name], bool):
            yield f"{name} is {record[name]!r}, not a JSON boolean"
    if (
        "sessionCredentialFromConsole" in record
        and record["sessionCredentialFromConsole"] != "true"
    ):
        yield "sessionCredentialFromConsole is not the string 'true'"
    attributes = record.get("userIdentity", {}).get("sessionContext", {}).get("attributes", {})
    if "mfaAuthenticated" in attributes and attributes["mfaAuthenticated"] not in ("true", "false"):
        yield f"mfaAuthenticated is {attributes['mfaAuthenticated']!r}, not 'true'/'false'"


def _account(record: Record) -> str | None:
    account = record.get("recipientAccountId") or record.get("userIdentity", {}).get("accountId")
    return None if account is None else str(account)


def _ids(record: Record) -> Iterator[str]:
    account = _account(record)
    for path, text in _strings(record):
        for match in _ID_TOKEN_RE.finditer(text):
            token = match.group(0)
            want = 20 if token[:4] in ("AKIA", "ASIA") else 21
            if len(token) != want or any(ch in "0189" for ch in token[4:]):
                yield f"{path}: {token} is not {want} characters of base32 after the prefix"
            elif is_new_format(token) and decode_account(token) != account:
                yield f"{path}: {token} encodes account {decode_account(token)}, not {account}"


def _arn_accounts(record: Record) -> Iterator[str]:
    account = _account(record)
    identity = record.get("userIdentity", {})
    if (
        "accountId" in identity
        and "recipientAccountId" in record
        and (identity["accountId"] != record["recipientAccountId"])
    ):
        yield "userIdentity.accountId differs from recipientAccountId"
    if account is not None and not re.match(r"^\d{12}$", str(account)):
        yield f"account {account!r} is not 12 digits"
    for path, text in _strings(record):
        for match in _ARN_ACCOUNT_RE.finditer(text):
            if match.group(1) != account:
                yield f"{path}: ARN account {match.group(1)} is not {account}"


def _uuids(record: Record) -> Iterator[str]:
    event_id, request_id = record.get("eventID"), record.get("requestID")
    if "eventID" in record and not UUID4_RE.match(str(event_id)):
        yield f"eventID {event_id!r} is not a lower-case UUID v4"
    if (
        record.get("eventSource") == "iam.amazonaws.com"
        and "requestID" in record
        and (not UUID_RE.match(str(request_id)))
    ):
        yield f"requestID {request_id!r} is not a lower-case UUID"
    if event_id is not None and event_id == request_id:
        yield "eventID equals requestID"
    for name, value in (("eventID", event_id), ("requestID", request_id)):
        # Placeholders such as efffffff-bbbb-4444-bbbb-ffffffffffff; 32 random hex digits with
        # fewer than 6 distinct values happen with probability ~1e-12.
        if isinstance(value, str) and UUID_RE.match(value) and len(set(value) - {"-"}) < 6:
            yield f"{name} {value!r} looks patterned, not random"


def _public_ip(record: Record) -> Iterator[str]:
    source = str(record.get("sourceIPAddress", ""))
    if source == "AWS Internal" or source.endswith(".amazonaws.com"):
        return
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        yield f"sourceIPAddress {source!r} is not an IP address (leading zeros?) or service name"
        return
    if not address.is_global or any(address in net for net in _DOC_NETS):
        yield f"sourceIPAddress {source} is not a public routable address"


def _no_secret(record: Record) -> Iterator[str]:
    for path, key in _keys(record):
        if key.lower() in _SECRET_NAMES:
            yield f"{path}: a secret ({key}) must never appear"


def _order(record: Record) -> Iterator[str]:
    known = [key for key in record if key in ORDER]
    if known != sorted(known, key=ORDER.index):
        yield "top-level keys are not in CloudTrail's order"


def _tls(record: Record) -> Iterator[str]:
    tls = record.get("tlsDetails")
    if tls is None:
        version = str(record.get("eventVersion", ""))
        if (
            record.get("eventSource") == "iam.amazonaws.com"
            and version_at_least(version, "1.08")
            and not (is_console(record) or is_service_invoked(record))
        ):
            yield "API calls to IAM from SDKs and the CLI carry tlsDetails from 1.08 (rule 31)"
        return
    version, suite = tls.get("tlsVersion"), str(tls.get("cipherSuite", ""))
    if version == "TLSv1.3" and not suite.startswith("TLS_"):
        yield f"TLSv1.3 with OpenSSL-style suite {suite}"
    if version == "TLSv1.2" and suite.startswith("TLS_"):
        yield f"TLSv1.2 with IANA-style suite {suite}"
    if record.get("eventSource") == "iam.amazonaws.com" and (
        tls.get("clientProvidedHostHeader") != "iam.amazonaws.com"
    ):
        yield "tlsDetails.clientProvidedHostHeader is not iam.amazonaws.com"
    if is_console(record) or is_service_invoked(record):
        yield "console or service-invoked calls carry no tlsDetails"


def _client_date(record: Record) -> Iterator[str]:
    if not EVENT_TIME_RE.match(str(record.get("eventTime", ""))):
        return
    late = anachronisms(str(record.get("userAgent", "")), parse_event_time(record["eventTime"]))
    if late:
        yield f"userAgent names clients released after eventTime: {', '.join(late)}"


def _iam_region(record: Record) -> Iterator[str]:
    if record.get("eventSource") == "iam.amazonaws.com" and record.get("awsRegion") != "us-east-1":
        yield f"IAM records carry awsRegion us-east-1, not {record.get('awsRegion')!r}"


def _error_shape(record: Record) -> Iterator[str]:
    code = record.get("errorCode")
    if code is None:
        return
    if "errorMessage" not in record:
        yield "errorCode without errorMessage"
    if record.get("responseElements") is not None:
        yield "failed calls have responseElements null"
    if record.get("eventSource") == "iam.amazonaws.com" and not (
        code == "AccessDenied" or str(code).endswith("Exception")
    ):
        yield f"IAM errorCode {code!r} should end in Exception (or be AccessDenied)"
    if code == "AccessDenied" and record.get("eventName") == "CreateAccessKey":
        target = (record.get("requestParameters") or {}).get("userName")
        if target and f"on resource: user {target}" not in str(record.get("errorMessage")):
            yield "AccessDenied message does not name the resource as 'user <name>'"


RULES: Mapping[str, Rule] = {
    "event-time": _event_time,
    "version-fields": _version_fields,
    "version-date": _version_date,
    "json-types": _json_types,
    "ids": _ids,
    "arn-account": _arn_accounts,
    "uuids": _uuids,
    "public-ip": _public_ip,
    "no-secret": _no_secret,
    "key-order": _order,
    "tls": _tls,
    "iam-region": _iam_region,
    "client-date": _client_date,
    "error-shape": _error_shape,
    **IDENTITY_RULES,
    **CREATE_KEY_RULES,
}


def realism_problems(record: Record, *, ignore: Iterable[str] = ()) -> list[str]:
    """Every realism rule ``record`` breaks, as ``"<rule>: <problem>"`` lines."""
    skipped = set(ignore)
    unknown = skipped - set(RULES)
    if unknown:
        raise ValueError(f"unknown realism rules {sorted(unknown)}; known: {sorted(RULES)}")
    if not isinstance(record, Mapping):
        return ["record: not a JSON object"]
    problems: list[str] = []
    for name, rule in RULES.items():
        if name not in skipped:
            try:
                problems.extend(f"{name}: {text}" for text in rule(record))
            except (AttributeError, TypeError, KeyError, ValueError) as err:
                problems.append(f"{name}: malformed record ({type(err).__name__}: {err})")
    return problems


def envelope_realism_problems(
    envelope: Mapping[str, Any], *, ignore: Iterable[str] = ()
) -> list[str]:
    """The envelope rules of research §5 plus :func:`realism_problems` of its detail."""
    detail = envelope.get("detail")
    if not isinstance(detail, Mapping):
        return ["envelope: detail is not an object"]
    problems = [f"envelope: {text}" for text in _envelope(envelope, detail)]
    problems += [f"detail.{text}" for text in realism_problems(detail, ignore=ignore)]
    return problems


def _envelope(envelope: Mapping[str, Any], detail: Record) -> Iterator[str]:
    if envelope.get("version") != "0":
        yield "version is not the string '0'"
    if envelope.get("resources") != []:
        yield "resources is not []"
    if envelope.get("id") is not None and envelope.get("id") == detail.get("eventID"):
        yield "id equals detail.eventID"
    if envelope.get("source") != event_bridge_source(str(detail.get("eventSource", ""))):
        yield f"source {envelope.get('source')!r} does not follow eventSource"
    if envelope.get("detail-type") != DETAIL_TYPES.get(str(detail.get("eventType"))):
        yield f"detail-type {envelope.get('detail-type')!r} does not follow eventType"
    if envelope.get("account") != detail.get("recipientAccountId"):
        yield "account differs from detail.recipientAccountId"
    if envelope.get("region") != detail.get("awsRegion"):
        yield "region differs from detail.awsRegion"
    try:
        lag = parse_event_time(str(envelope.get("time"))) - parse_event_time(
            str(detail.get("eventTime"))
        )
    except ValueError:
        yield "time or detail.eventTime is not YYYY-MM-DDTHH:MM:SSZ"
        return
    if not timedelta(0) <= lag <= timedelta(minutes=5):
        yield f"time is {lag} after eventTime (expected 0 to a few seconds)"


__all__ = [
    "CREATE_DATE_RE",
    "RULES",
    "envelope_realism_problems",
    "parse_create_date",
    "realism_problems",
]
