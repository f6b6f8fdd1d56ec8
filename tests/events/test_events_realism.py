"""The realism checker catches each way a record can look fake (research §9)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.events import (
    create_access_key_event,
    create_access_key_record,
    envelope_realism_problems,
    realism_problems,
)
from simulator.events.realism import RULES

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"

Mutation = Callable[[dict], None]


def _set(path: str, value: object) -> Mutation:
    def apply(record: dict) -> None:
        node = record
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        node[last] = value

    return apply


def _del(path: str) -> Mutation:
    def apply(record: dict) -> None:
        node = record
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        del node[last]

    return apply


CASES: dict[str, tuple[str, str, Mutation]] = {
    "fractional-time": ("iam-user-cli", "event-time", _set("eventTime", "2025-10-14T14:07:31.5Z")),
    "tls-at-1.05": (
        "version-1.05",
        "version-fields",
        _set(
            "tlsDetails",
            {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": "iam.amazonaws.com",
            },
        ),
    ),
    "missing-category": ("iam-user-cli", "version-fields", _del("eventCategory")),
    "wrong-version-for-date": ("iam-user-cli", "version-date", _set("eventVersion", "1.08")),
    "string-bool": ("iam-user-cli", "json-types", _set("readOnly", "false")),
    "bool-mfa": (
        "iam-user-console",
        "json-types",
        _set("userIdentity.sessionContext.attributes.mfaAuthenticated", True),
    ),
    "non-base32-key": (
        "iam-user-cli",
        "ids",
        _set("userIdentity.accessKeyId", "AKIA30BEZSJBVKOFKZW0"),
    ),
    "key-of-other-account": (
        "iam-user-cli",
        "ids",
        _set("userIdentity.accessKeyId", "AKIAXF6ONPOMKLMJFHER"),
    ),
    "arn-other-account": (
        "iam-user-cli",
        "arn-account",
        _set("userIdentity.arn", "arn:aws:iam::111122223333:user/x"),
    ),
    "patterned-uuid": (
        "iam-user-cli",
        "uuids",
        _set("eventID", "efffffff-bbbb-4444-bbbb-ffffffffffff"),
    ),
    "zero-padded-ip": ("iam-user-cli", "public-ip", _set("sourceIPAddress", "211.9.016.253")),
    "doc-range-ip": ("iam-user-cli", "public-ip", _set("sourceIPAddress", "203.0.113.7")),
    "secret": (
        "iam-user-cli",
        "no-secret",
        _set("responseElements.accessKey.secretAccessKey", "x"),
    ),
    "tls-missing": ("iam-user-sdk", "tls", _del("tlsDetails")),
    "tls-mix": ("iam-user-cli", "tls", _set("tlsDetails.cipherSuite", "ECDHE-RSA-AES128-SHA")),
    "region": ("iam-user-cli", "iam-region", _set("awsRegion", "ap-central-2r")),
    "error-with-response": (
        "error-no-such-entity",
        "error-shape",
        _set("responseElements", {"accessKey": {}}),
    ),
    "error-code-suffix": (
        "error-limit-exceeded",
        "error-shape",
        _set("errorCode", "LimitExceeded"),
    ),
    "role-with-username": ("assumed-role", "caller-shape", _set("userIdentity.userName", "x")),
    "akia-with-session": (
        "iam-user-cli",
        "caller-shape",
        _set("userIdentity.sessionContext", {"attributes": {}}),
    ),
    "empty-issuer-at-1.11": (
        "iam-user-console",
        "session",
        _set("userIdentity.sessionContext.sessionIssuer", {}),
    ),
    "session-from-future": (
        "iam-user-console",
        "session",
        _set("userIdentity.sessionContext.attributes.creationDate", "2030-01-01T00:00:00Z"),
    ),
    "console-with-cli-agent": (
        "iam-user-console",
        "console-markers",
        _set("userAgent", "aws-cli/2"),
    ),
    "cfn-with-ip": ("cloudformation", "service-invoked", _set("sourceIPAddress", "52.1.2.3")),
    "gst-without-mfa": (
        "iam-user-session-token",
        "mfa",
        _set("userIdentity.sessionContext.attributes.mfaAuthenticated", "false"),
    ),
    "federated-via-api": (
        "federated-user",
        "federated-console",
        _del("sessionCredentialFromConsole"),
    ),
    "inactive-key": (
        "iam-user-cli",
        "new-key",
        _set("responseElements.accessKey.status", "Inactive"),
    ),
    "iso-create-date": (
        "iam-user-cli",
        "new-key",
        _set("responseElements.accessKey.createDate", "2025-10-14T14:07:31Z"),
    ),
    "other-owner": ("iam-user-cli", "new-key", _set("responseElements.accessKey.userName", "z")),
    "resources": ("iam-user-cli", "create-key-request", _set("resources", [])),
    "future-cli": (
        "version-1.08",
        "client-date",
        _set("userAgent", "aws-cli/2.31.13 md/awscrt#0.23.8 ua/2.1 os/linux#6.11.0-19-generic"),
    ),
    "cli-wrong-command": (
        "iam-user-cli",
        "cli-command",
        _set("userAgent", "aws-cli/2.25.2 ua/2.1 md/command#iam.list-users"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_events_realism_catches(case: str) -> None:
    scenario, rule, mutate = CASES[case]
    record = create_access_key_record(scenario, seed=3)
    assert realism_problems(record) == []
    broken = copy.deepcopy(record)
    mutate(broken)
    problems = realism_problems(broken)
    assert any(p.startswith(rule + ":") for p in problems), problems
    assert realism_problems(broken, ignore=[rule]) == [
        p for p in problems if not p.startswith(rule + ":")
    ]


def test_events_realism_key_order() -> None:
    record = create_access_key_record(seed=1)
    shuffled = dict(sorted(record.items()))
    assert any(p.startswith("key-order:") for p in realism_problems(shuffled))


def test_events_every_rule_has_a_case() -> None:
    covered = {rule for _, rule, _ in CASES.values()} | {"key-order"}
    assert covered == set(RULES)


def test_events_realism_rejects_unknown_rule_names() -> None:
    with pytest.raises(ValueError, match="unknown realism rules"):
        realism_problems({}, ignore=["nope"])
    assert realism_problems("x") == ["record: not a JSON object"]  # type: ignore[arg-type]


def test_events_envelope_realism() -> None:
    event = create_access_key_event(seed=1)
    event["id"] = event["detail"]["eventID"]
    event["account"] = "111122223333"
    problems = envelope_realism_problems(event)
    assert "envelope: id equals detail.eventID" in problems
    assert "envelope: account differs from detail.recipientAccountId" in problems


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no shared samples at {SAMPLES}")
@pytest.mark.parametrize(
    ("sample", "rules"),
    [
        ("stratus-1.json", {"ids", "public-ip", "iam-region", "caller-shape"}),
        ("stratus-2.json", {"ids", "public-ip", "iam-region"}),
        ("panther-1.json", {"event-time", "ids", "uuids"}),
        ("elastic-1.json", {"uuids", "arn-account"}),
    ],
    ids=["stratus-1", "stratus-2", "panther-1", "elastic-1"],
)
def test_events_realism_finds_the_documented_anonymisation(sample: str, rules: set[str]) -> None:
    """SOURCES.md lists what anonymisers changed in each sample; the checker must see it."""
    record = json.loads((SAMPLES / sample).read_text())
    found = {p.split(":", 1)[0] for p in realism_problems(record)}
    assert rules <= found, found
