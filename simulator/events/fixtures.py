"""The curated event corpus in ``fixtures/events/``: loading it, and regenerating it.

Each file ``fixtures/events/<name>.json`` is ``{"description": str, "expect": "match" |
"no_match", "event": <EventBridge envelope>}``; ``expect`` is the verdict of the seed rule
(``SEED_PATTERN``: source aws.iam, detail-type "AWS API Call via CloudTrail", eventSource
iam.amazonaws.com, eventName CreateAccessKey).  Every file is produced by :func:`fixture_documents`
from the generator, so the corpus and the generator cannot drift apart (a test compares them);
``python -m simulator.events.fixtures`` rewrites the files.
"""

from __future__ import annotations

import functools
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from simulator.errors import InputError
from simulator.events import context as c
from simulator.events.builders import create_key_record
from simulator.events.clock import parse_at, version_for
from simulator.events.envelope import record_to_envelope
from simulator.events.near_misses import NEAR_MISSES, near_miss_record
from simulator.events.scenarios import SCENARIOS, create_access_key_record

EXPECTS = ("match", "no_match")


@dataclass(frozen=True, slots=True)
class FixtureEvent:
    """One curated event and the seed rule's expected verdict on it."""

    name: str
    description: str
    expect: str
    event: dict[str, Any]
    path: Path


def default_directory() -> Path:
    """``fixtures/events`` of the source checkout (or of the current directory)."""
    checkout = Path(__file__).resolve().parents[2] / "fixtures" / "events"
    return checkout if checkout.is_dir() else Path.cwd() / "fixtures" / "events"


def load_fixture_events(directory: Path | str | None = None) -> list[FixtureEvent]:
    """Every fixture in ``directory`` (default: :func:`default_directory`), sorted by name."""
    root = Path(directory) if directory is not None else default_directory()
    if not root.is_dir():
        raise InputError(str(root), "no such fixtures directory")
    return [_load(path) for path in sorted(root.glob("*.json"))]


def _load(path: Path) -> FixtureEvent:
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}:{err.colno}", f"invalid JSON: {err.msg}") from None
    if not isinstance(document, dict):
        raise InputError(str(path), "expected an object with description, expect, event")
    for key, kind in (("description", str), ("expect", str), ("event", dict)):
        if not isinstance(document.get(key), kind):
            raise InputError(str(path), f"expected a {kind.__name__}", f"$.{key}")
    if document["expect"] not in EXPECTS:
        raise InputError(str(path), f"expected one of {', '.join(EXPECTS)}", "$.expect")
    return FixtureEvent(
        path.stem, document["description"], document["expect"], document["event"], path
    )


# ---- the corpus --------------------------------------------------------------------------------

Spec = tuple[str, str, str, Callable[[], dict[str, Any]]]


def _scenario_specs() -> Iterator[Spec]:
    for spec in SCENARIOS.values():
        note = ""
        if spec.kind == "error":
            note = (
                " The seed rule matches failed calls too; a rule meaning 'a key was created' "
                "must also exclude errorCode."
            )
        yield (
            f"cak-{spec.name}",
            f"CreateAccessKey, scenario {spec.name}: {spec.description}." + note,
            "match",
            functools.partial(create_access_key_record, spec.name, 1),
        )


def _near_miss_specs() -> Iterator[Spec]:
    for miss in NEAR_MISSES.values():
        expect = "no_match"
        note = ""
        if miss.name == "iam-wrong-region":
            expect = "match"
            note = (
                " The seed rule has no region filter, so it matches; AWS would never deliver "
                "this event to a us-east-1 rule, and a rule pinning region must reject it."
            )
        yield (
            f"near-miss-{miss.name}",
            f"Near miss {miss.name}: {miss.description}." + note,
            expect,
            functools.partial(near_miss_record, miss.name, 1),
        )


def _stratus_shape() -> dict[str, Any]:
    # stratus-1.json's shape (2024-07-30, eventVersion 1.09, Stratus's per-run userAgent) with
    # real-format IDs, us-east-1 and a public IP instead of LogLicker's replacements.
    target = "stratus-red-team-backdoor-u-user"
    return create_access_key_record(
        "version-1.09",
        seed=4,
        at="2024-07-30T21:53:13Z",
        userAgent="stratus-red-team_f3f19dcd-8552-47ca-a01e-0e1f5578d15e",
        **{"requestParameters.userName": target, "responseElements.accessKey.userName": target},
    )


def _panther_shape() -> dict[str, Any]:
    # panther-1.json's shape: LimitExceededException by an MFA GetSessionToken session (1.08,
    # empty sessionIssuer/webIdFederationData, Go SDK v2, TLS 1.2), with CloudTrail's eventTime
    # format and requestParameters/responseElements kept as real records have them.
    moment = parse_at("2023-01-03T01:52:07Z")
    ctx = c.Ctx.create(random.Random(c.mix_seed("panther-shape", 0)), moment, version_for(moment))
    caller = c.iam_user(ctx, temporary=True, mfa=True, name="some_iam_user", path="/")
    client = c.ClientSide(
        c.public_ip(ctx.rng),
        c.go_sdk_user_agent(ctx.rng, moment),
        {
            "tlsVersion": "TLSv1.2",
            "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
            "clientProvidedHostHeader": "iam.amazonaws.com",
        },
    )
    error = ("LimitExceededException", "Cannot exceed quota for AccessKeysPerUser: 2")
    return create_key_record(ctx, caller, client, "some_iam_user", error)


def _elastic_shape() -> dict[str, Any]:
    # elastic-1.json's shape: a 2020 console call (1.05, invokedBy/userAgent
    # signin.amazonaws.com) by Alice for Bob, with real IDs, an ASIA session key and readOnly.
    moment = parse_at("2020-01-08T20:43:06Z")
    ctx = c.Ctx.create(random.Random(c.mix_seed("elastic-shape", 0)), moment, version_for(moment))
    client, invoked_by = c.console_client(ctx)
    caller = c.iam_user(ctx, temporary=True, mfa=True, name="Alice", path="/").with_invoked_by(
        invoked_by
    )
    return create_key_record(ctx, caller, client, "Bob")


def fixture_specs() -> list[Spec]:
    """(name, description, expect, build) of every fixture."""
    shapes: list[Spec] = [
        (
            "sample-shape-stratus",
            "The shape of samples/stratus-1.json (Stratus Red Team "
            "iam-backdoor-user, 2024, 1.09, IAM user with a long-term key) with real-format IDs "
            "that decode to the account, us-east-1 and a public IP.",
            "match",
            _stratus_shape,
        ),
        (
            "sample-shape-panther",
            "The shape of samples/panther-1.json: LimitExceededException by "
            "an MFA GetSessionToken session at 1.08 (empty sessionIssuer/webIdFederationData, Go SDK "
            "v2, TLS 1.2), with CloudTrail's eventTime format and null responseElements.",
            "match",
            _panther_shape,
        ),
        (
            "sample-shape-elastic",
            "The shape of samples/elastic-1.json: a 2020 console call "
            "(1.05, invokedBy and userAgent signin.amazonaws.com, no tlsDetails) by Alice for Bob, "
            "with real IDs and an ASIA session key.",
            "match",
            _elastic_shape,
        ),
    ]
    return [*_scenario_specs(), *_near_miss_specs(), *shapes]


def fixture_documents() -> dict[str, bytes]:
    """The bytes every fixture file should hold, by name."""
    out = {}
    for name, description, expect, build in fixture_specs():
        document = {
            "description": description,
            "expect": expect,
            "event": record_to_envelope(build()),
        }
        out[name] = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    return out


README_HEAD = """\
# fixtures/events: curated CloudTrail events

Generated by trailsim's own generator: do not edit by hand.  Regenerate with
`python -m simulator.events.fixtures` (a test fails when a file differs from the generator).

Each `<name>.json` is `{"description", "expect", "event"}`: `event` is an EventBridge envelope,
and `expect` is the verdict of the seed rule (`source` aws.iam, `detail-type` "AWS API Call via
CloudTrail", `eventSource` iam.amazonaws.com, `eventName` CreateAccessKey).  Every event validates
against `simulator/schemas` and passes `realism_problems` (the wrong-region near miss breaks only
the `iam-region` rule, on purpose).  The `sample-shape-*` files keep the shapes of the real samples
found in public sources (Stratus Red Team, Panther, Elastic) without their anonymisation artefacts.

| name | expect | description |
|---|---|---|
"""


def readme_text() -> str:
    """fixtures/events/README.md: one row per fixture."""
    rows = [
        f"| `{name}` | {expect} | {description} |"
        for name, description, expect, _ in fixture_specs()
    ]
    return README_HEAD + "\n".join(rows) + "\n"


def write_fixture_events(directory: Path | str | None = None) -> list[Path]:
    """(Re)write the corpus; returns the paths written.  Stale ``*.json`` files are removed."""
    root = Path(directory) if directory is not None else default_directory()
    root.mkdir(parents=True, exist_ok=True)
    documents = fixture_documents()
    for stale in root.glob("*.json"):
        if stale.stem not in documents:
            stale.unlink()
    (root / "README.md").write_text(readme_text(), "utf-8")
    written = []
    for name, data in documents.items():
        path = root / f"{name}.json"
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    """``python -m simulator.events.fixtures [DIRECTORY]``: regenerate the fixture corpus."""
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: python -m simulator.events.fixtures [DIRECTORY]", file=sys.stderr)
        print(
            "Rewrites the fixture events (default: the checkout's fixtures/events).",
            file=sys.stderr,
        )
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    paths = write_fixture_events(argv[0] if argv else None)
    print(f"wrote {len(paths)} fixtures under {paths[0].parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
