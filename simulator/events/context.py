"""One generation run's random source, time, version and account, plus caller/client factories.

Every random choice goes through ``Ctx.rng`` (a ``random.Random`` seeded from the scenario name
and seed), so the same (scenario, seed, at) gives the same record, byte for byte.  Identities are
picked first and everything else (ARNs, key IDs, account) is derived from them, never drawn and
filtered (style.md §2).
"""

from __future__ import annotations

import _random
import functools
import random
import threading
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from simulator.events.clients import (
    boto3_user_agent,
    cli_user_agent,
    go_sdk_user_agent,
    pick,
    public_ip,
    terraform_user_agent,
    tls_details,
)

__all__ = ["ClientSide", "Ctx", "go_sdk_user_agent", "pick", "public_ip"]  # and the factories below
from simulator.events.cloudtrail import ClientSide
from simulator.events.identities import CallerIdentity, Session, SessionIssuer, version_at_least
from simulator.events.ids import account_head, make_id_from_head, make_old_id

# IDs that encode the account appeared around 2019 [AS][WS]; before, IDs start with I or J.
NEW_FORMAT_YEAR = 2019

USER_NAMES = (
    "alice.ng",
    "bob.martin",
    "ci-deployer",
    "priya.k",
    "m.garcia",
    "k.tanaka",
    "jenkins",
    "backup-svc",
    "data-pipeline",
    "svc-reporting",
    "ops-admin",
    "legacy-app",
    "etl-runner",
    "github-actions",
    "grafana-reader",
    "j.okafor",
)
USER_PATHS = ("/", "/", "/", "/ops/", "/service-accounts/", "/admins/")
ROLE_NAMES = (
    "PlatformAdmin",
    "DeployRole",
    "OrganizationAccountAccessRole",
    "ci-runner",
    "BreakGlassAdmin",
    "DataEngineer",
    "IdentityManager",
)
ROLE_PATHS = ("/", "/", "/platform/", "/automation/")
SESSION_NAMES = (
    "deploy-42",
    "alice.ng",
    "terraform-run-7781",
    "botocore-session-1728914851",
    "bob.martin",
    "pipeline-3120",
)
SSO_PERMISSION_SETS = ("AdministratorAccess", "PowerUserAccess", "IAMAdministrator")
SSO_HOME_REGIONS = ("", "eu-central-1/", "us-east-1/", "eu-west-1/")
_PLACEHOLDER_ACCOUNT = 123456789012


_LOCAL = threading.local()


def seeded_random(seed: int) -> random.Random:
    """A ``random.Random`` seeded with ``seed``: one reused per thread (re-seeding is cheaper than
    constructing).  Use it for one record, before asking for the next one."""
    rng: random.Random | None = getattr(_LOCAL, "rng", None)
    if rng is None:
        rng = _LOCAL.rng = random.Random()
    # For an int, random.Random.seed only forwards to the C seed (and clears gauss_next, unused
    # here); calling it directly skips the Python wrapper on this hot path.  Same sequence.
    _seed_c(rng, seed)
    return rng


_seed_c = _random.Random.seed


def mix_seed(name: str, seed: int) -> int:
    """A Random seed from (name, seed): distinct names give unrelated streams for one seed."""
    return (int(seed) << 32) ^ _name_hash(name)


@functools.lru_cache(maxsize=1024)
def _name_hash(name: str) -> int:
    return zlib.crc32(name.encode())


@dataclass(slots=True)
class Ctx:
    """State shared by the builders of one record."""

    rng: random.Random
    moment: datetime
    version: str
    account: str
    _head: tuple[str, tuple[str, int]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def create(
        cls, rng: random.Random, moment: datetime, version: str, account: str | None = None
    ) -> Ctx:
        return cls(rng, moment, version, account or random_account(rng))

    def bits(self, count: int = 64) -> int:
        return self.rng.getrandbits(count)

    def key_id(self, prefix: str = "AKIA") -> str:
        if self.moment.year < NEW_FORMAT_YEAR:
            return make_old_id(prefix, self.rng.getrandbits(80))
        return make_id_from_head(prefix, self._account_head(), self.rng.getrandbits(44))

    def unique_id(self, prefix: str) -> str:
        if self.moment.year < NEW_FORMAT_YEAR:
            return make_old_id(prefix, self.rng.getrandbits(85), 21)
        return make_id_from_head(prefix, self._account_head(), self.rng.getrandbits(44), 21)

    @property
    def id_head(self) -> tuple[str, int]:
        """The account's part of its IDs, computed once per record."""
        return self._account_head()

    def _account_head(self) -> tuple[str, int]:
        head = self._head
        if head is None or head[0] != self.account:  # the account may be replaced after create
            self._head = head = (self.account, account_head(self.account))
        return head[1]

    def user_name(self, avoid: str | None = None) -> str:
        name = pick(self.rng, USER_NAMES)
        while name == avoid:
            name = pick(self.rng, USER_NAMES)
        return name

    def earlier(self, max_seconds: int, min_seconds: int = 60) -> datetime:
        """A session start before the event, within the credential lifetime (rule 23)."""
        return self.moment - timedelta(seconds=self.rng.randrange(min_seconds, max_seconds))

    @property
    def modern_console(self) -> bool:
        """Recent console sessions (1.08+): 'AWS Internal' and sessionCredentialFromConsole."""
        return version_at_least(self.version, "1.08")


def random_account(rng: random.Random) -> str:
    account = 100_000_000_000 + (rng.getrandbits(40) * 900_000_000_000 >> 40)
    return str(account if account != _PLACEHOLDER_ACCOUNT else account + 1)


# ---- callers (research §2) -------------------------------------------------------------------


def iam_user(
    ctx: Ctx,
    *,
    temporary: bool = False,
    name: str | None = None,
    path: str | None = None,
    mfa: bool = True,
    session_hours: int = 12,
) -> CallerIdentity:
    name = name or ctx.user_name()
    path = path or pick(ctx.rng, USER_PATHS)
    arn = f"arn:aws:iam::{ctx.account}:user{path}{name}"
    session = None
    if temporary:
        session = Session(ctx.earlier(session_hours * 3600), mfa_authenticated=mfa)
    return CallerIdentity(
        "IAMUser",
        ctx.account,
        arn,
        ctx.unique_id("AIDA"),
        ctx.key_id("ASIA" if temporary else "AKIA"),
        name,
        session,
    )


def root(ctx: Ctx, *, temporary: bool = False) -> CallerIdentity:
    session = Session(ctx.earlier(6 * 3600), mfa_authenticated=True) if temporary else None
    return CallerIdentity(
        "Root",
        ctx.account,
        f"arn:aws:iam::{ctx.account}:root",
        ctx.account,
        ctx.key_id("ASIA" if temporary else "AKIA"),
        session=session,
    )


def assumed_role(
    ctx: Ctx,
    *,
    role: str | None = None,
    path: str | None = None,
    session_name: str | None = None,
    web_identity: str | None = None,
    max_age: int = 3600,
) -> CallerIdentity:
    role = role or pick(ctx.rng, ROLE_NAMES)
    path = path or pick(ctx.rng, ROLE_PATHS)
    session_name = session_name or pick(ctx.rng, SESSION_NAMES)
    role_id = ctx.unique_id("AROA")
    issuer = SessionIssuer(
        "Role", role_id, f"arn:aws:iam::{ctx.account}:role{path}{role}", ctx.account, role
    )
    session = Session(ctx.earlier(max_age), False, issuer, web_identity)
    return CallerIdentity(
        "AssumedRole",
        ctx.account,
        f"arn:aws:sts::{ctx.account}:assumed-role/{role}/{session_name}",
        f"{role_id}:{session_name}",
        ctx.key_id("ASIA"),
        session=session,
    )


def sso_role(ctx: Ctx) -> CallerIdentity:
    """IAM Identity Center: AWSReservedSSO_<set>_<16 hex> under aws-reserved/sso.amazonaws.com."""
    permission_set = pick(ctx.rng, SSO_PERMISSION_SETS)
    role = f"AWSReservedSSO_{permission_set}_{ctx.bits(64):016x}"
    path = f"/aws-reserved/sso.amazonaws.com/{pick(ctx.rng, SSO_HOME_REGIONS)}"
    email = f"{ctx.user_name()}@example.com"
    return assumed_role(ctx, role=role, path=path, session_name=email, max_age=8 * 3600)


def federated_user(ctx: Ctx) -> CallerIdentity:
    """GetFederationToken session; such credentials reach IAM only through the console [STS-GFT]."""
    issuer_name = ctx.user_name()
    issuer = SessionIssuer(
        "IAMUser",
        ctx.unique_id("AIDA"),
        f"arn:aws:iam::{ctx.account}:user/{issuer_name}",
        ctx.account,
        issuer_name,
    )
    name = pick(ctx.rng, ("console-broker", "sso-bridge", "partner-portal"))
    session = Session(ctx.earlier(12 * 3600), False, issuer)
    return CallerIdentity(
        "FederatedUser",
        ctx.account,
        f"arn:aws:sts::{ctx.account}:federated-user/{name}",
        f"{ctx.account}:{name}",
        ctx.key_id("ASIA"),
        session=session,
    )


# ---- clients (research §1.2) -----------------------------------------------------------------

IAM_HOST = "iam.amazonaws.com"


def cli_client(ctx: Ctx, command: str = "iam.create-access-key") -> ClientSide:
    return ClientSide(
        public_ip(ctx.rng),
        cli_user_agent(ctx.rng, ctx.moment, command),
        tls_details(ctx.rng, ctx.moment, IAM_HOST),
    )


def sdk_client(ctx: Ctx) -> ClientSide:
    agent = (
        go_sdk_user_agent(ctx.rng, ctx.moment)
        if ctx.moment.year >= 2022 and ctx.rng.random() < 0.3
        else boto3_user_agent(ctx.rng, ctx.moment, lambda_env=ctx.rng.random() < 0.3)
    )
    return ClientSide(public_ip(ctx.rng), agent, tls_details(ctx.rng, ctx.moment, IAM_HOST))


def terraform_client(ctx: Ctx) -> ClientSide:
    return ClientSide(
        public_ip(ctx.rng),
        terraform_user_agent(ctx.rng, ctx.moment),
        tls_details(ctx.rng, ctx.moment, IAM_HOST),
    )


def console_client(ctx: Ctx) -> tuple[ClientSide, str | None]:
    """(client, invokedBy): 'AWS Internal' + console flag from 1.08; signin.amazonaws.com before."""
    if ctx.modern_console:
        return ClientSide(public_ip(ctx.rng), "AWS Internal", None, console=True), None
    return ClientSide(public_ip(ctx.rng), "signin.amazonaws.com"), "signin.amazonaws.com"


def service_client(service: str) -> ClientSide:
    """A service acting for the caller: IP and userAgent are the service principal (rule 30)."""
    return ClientSide(service, service, None)
