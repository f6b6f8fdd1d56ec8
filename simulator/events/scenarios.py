"""Named CreateAccessKey scenarios: who calls, from where, and how it ends (research §2, §7).

Each scenario is a function of a :class:`Ctx` (seeded random source, time, version, account) that
returns a CloudTrail record.  ``trailsim scenarios`` lists them with their descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from simulator.errors import ScenarioError
from simulator.events import builders as b
from simulator.events import context as c
from simulator.events.builders import Builder
from simulator.events.clock import (
    era_of,
    parse_at,
    seed_window,
    seeded_moment,
    version_for,
)
from simulator.events.overrides import apply_overrides

DEFAULT_VERSION = "1.11"  # the era un-pinned scenarios default to (seeded time in that era)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named way a CreateAccessKey call happens."""

    name: str
    description: str
    build: Builder
    kind: str = "caller"  # "caller", "error" or "version"
    version: str | None = None  # pinned eventVersion; None: the version of the event's date

    @property
    def era(self) -> tuple[datetime, datetime]:
        """Where an explicit ``at`` must fall when the version is pinned."""
        return era_of(self.version or DEFAULT_VERSION)

    @property
    def seed_window(self) -> tuple[datetime, datetime]:
        """Where seeded default times fall."""
        return seed_window(self.version or DEFAULT_VERSION)


def _s(
    name: str, description: str, build: Builder, kind: str = "caller", version: str | None = None
) -> tuple[str, Scenario]:
    return name, Scenario(name, description, build, kind, version)


SCENARIOS: Mapping[str, Scenario] = MappingProxyType(
    dict(
        [
            _s(
                "iam-user-cli",
                "IAM user with a long-term AKIA key, AWS CLI v2, creates a key for another "
                "user (the reference event of research §1)",
                b.iam_user_with(c.cli_client),
            ),
            _s(
                "iam-user-sdk",
                "IAM user with a long-term key via boto3 or the Go SDK v2",
                b.iam_user_with(c.sdk_client),
            ),
            _s(
                "iam-user-terraform",
                "IAM user with a long-term key via Terraform's AWS provider",
                b.iam_user_with(c.terraform_client),
            ),
            _s(
                "iam-user-self",
                "IAM user creates a key for itself without UserName: requestParameters "
                "null, accessKey.userName is the caller",
                b.iam_user_self,
            ),
            _s(
                "iam-user-console",
                "IAM user in the console: ASIA session key, 'AWS Internal' userAgent, "
                "sessionCredentialFromConsole, no tlsDetails",
                b.iam_user_console,
            ),
            _s(
                "iam-user-session-token",
                "IAM user with MFA-backed GetSessionToken credentials (ASIA, "
                "mfaAuthenticated 'true') via an SDK",
                b.iam_user_session_token,
            ),
            _s(
                "admin-for-other-user",
                "administrator under /admins/ creates a key for another user",
                b.admin_for_other,
            ),
            _s(
                "root-api",
                "root user with a root access key (AKIA) via the CLI, for an IAM user",
                b.root_api,
            ),
            _s(
                "root-console",
                "root user signed in to the console creates a key for an IAM user",
                b.root_console,
            ),
            _s(
                "root-own-key",
                "root user creates a root access key in the console: no UserName, no "
                "accessKey.userName (shape unconfirmed beyond a public test fixture)",
                b.root_own_key,
            ),
            _s(
                "assumed-role",
                "assumed-role session (ASIA, sessionIssuer Role) via CLI or SDK",
                b.assumed_role,
            ),
            _s(
                "sso-role",
                "IAM Identity Center permission-set role (AWSReservedSSO_*) in the console",
                b.sso_role,
            ),
            _s(
                "web-identity-role",
                "GitHub Actions OIDC role session with webIdFederationData",
                b.github_oidc,
            ),
            _s("federated-user", "GetFederationToken federated user in the console", b.federated),
            _s(
                "cloudformation",
                "CloudFormation creates a key with the caller's credentials: invokedBy, "
                "sourceIPAddress and userAgent are cloudformation.amazonaws.com",
                b.cloudformation,
            ),
            _s(
                "error-limit-exceeded",
                "target already has 2 keys: LimitExceededException, responseElements null",
                b.limit_exceeded,
                "error",
            ),
            _s(
                "error-no-such-entity",
                "target user does not exist: NoSuchEntityException",
                b.no_such_entity,
                "error",
            ),
            _s(
                "error-access-denied",
                "caller lacks iam:CreateAccessKey: AccessDenied naming 'user <name>'",
                b.access_denied,
                "error",
            ),
            _s(
                "version-1.02",
                "2018 record (eventVersion 1.02): boto3 2018 userAgent, v1 requestID, no "
                "readOnly/managementEvent/eventCategory/tlsDetails",
                b.version_builder("sdk"),
                "version",
                "1.02",
            ),
            _s(
                "version-1.05",
                "2019-2020 console record (1.05): invokedBy/userAgent "
                "signin.amazonaws.com, no managementEvent/eventCategory/tlsDetails",
                b.version_builder("console"),
                "version",
                "1.05",
            ),
            _s(
                "version-1.08",
                "2021-2023 record (1.08): GetSessionToken session with empty "
                "sessionIssuer/webIdFederationData objects",
                b.version_builder("session"),
                "version",
                "1.08",
            ),
            _s(
                "version-1.09",
                "2024 record (1.09): IAM user via the CLI, TLS details",
                b.version_builder("cli"),
                "version",
                "1.09",
            ),
            _s(
                "version-1.10",
                "first-half-2025 record (1.10): IAM user via Terraform",
                b.version_builder("terraform"),
                "version",
                "1.10",
            ),
            _s(
                "version-1.11",
                "late-2025 record (1.11): IAM user via the CLI",
                b.version_builder("cli"),
                "version",
                "1.11",
            ),
        ]
    )
)


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; ScenarioError naming the command that lists them."""
    try:
        return SCENARIOS[name]
    except (KeyError, TypeError):
        raise ScenarioError(
            "scenario", name, "is not a scenario; run 'trailsim scenarios'"
        ) from None


def scenarios_at(at: datetime | str | None) -> list[str]:
    """Names of the scenarios that can produce an event at ``at`` (all of them when None)."""
    if at is None:
        return list(SCENARIOS)
    moment = parse_at(at)
    return [
        name
        for name, spec in SCENARIOS.items()
        if spec.version is None or spec.era[0] <= moment < spec.era[1]
    ]


def scenario_context(scenario: Scenario, seed: int, at: datetime | str | None) -> c.Ctx:
    """The seeded context of one record: explicit ``at`` or a seeded time in the era."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ScenarioError("seed", seed, "is not an integer")
    rng = c.seeded_random(c.mix_seed(scenario.name, seed))
    draw = rng.getrandbits(32)
    version = scenario.version or DEFAULT_VERSION
    if at is None:  # the seed window lies inside the version's era: no need to look it up
        return c.Ctx(rng, seeded_moment(version, draw), version, c.random_account(rng))
    moment = parse_at(at)
    start, end = scenario.era
    if scenario.version is not None and not start <= moment < end:
        raise ScenarioError(
            "at",
            at,
            f"is outside {scenario.name}'s era ({start:%Y-%m-%d} to "
            f"{end:%Y-%m-%d}); omit it or pick a time in that era",
        )
    return c.Ctx(rng, moment, scenario.version or version_for(moment), c.random_account(rng))


def create_access_key_record(
    scenario: str = "iam-user-cli",
    seed: int = 0,
    at: datetime | str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A raw CloudTrail record of iam:CreateAccessKey for ``scenario``.

    Same (scenario, seed, at, overrides) give the same record.  ``at`` (datetime or ISO string)
    sets eventTime; by default a time in the scenario's era is derived from the seed.
    ``overrides`` replace record fields after generation: keys are paths split on ``.`` or
    ``__`` (``requestParameters__userName="bob"``); :data:`DELETE` removes a field.  Nothing
    is re-derived from an override (changing ``userIdentity.userName`` leaves the ARN alone),
    but the envelope follows ``recipientAccountId``, ``awsRegion``, ``eventTime``, ``eventSource``.
    """
    spec = get_scenario(scenario)
    record = spec.build(scenario_context(spec, seed, at))
    return apply_overrides(record, overrides) if overrides else record
