"""Background traffic: a realistic, fast mix of many services' CloudTrail records.

One account per stream; a fixed cast of callers (IAM users with CLI/SDK keys, role sessions, an
AWS service) calls EC2, STS, S3, KMS, SSM, Logs, Lambda, DynamoDB, Secrets Manager, CloudWatch
and IAM at 0-3 s intervals.  ``share`` of the records are CreateAccessKey calls (from the caller
and error scenarios) and about 4.5 % are IAM near misses.  Speed matters (it feeds 200,000-event
benchmark corpora), so common records come from precomputed templates filled with fresh IDs and
times; every record is still a fresh dict.
"""

from __future__ import annotations

import bisect
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from simulator.errors import ScenarioError
from simulator.events import context as c
from simulator.events.clients import boto3_user_agent, cli_user_agent, pick, public_ip
from simulator.events.clock import (
    create_date_text,
    event_time_text,
    parse_at,
    seed_window,
    seeded_time,
    version_for,
)
from simulator.events.identities import version_at_least
from simulator.events.ids import account_head, alnum_text, make_id_from_head, uuid4_text
from simulator.events.near_misses import NEAR_MISSES
from simulator.events.scenarios import DEFAULT_VERSION, SCENARIOS

NEAR_MISS_SHARE = 0.045
REGIONS = ("us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1")
_KEY_SCENARIOS = tuple(s for s in SCENARIOS.values() if s.version is None)
_IAM_NEAR_MISSES = tuple(n for n in NEAR_MISSES.values() if n.iam and n.name != "iam-wrong-region")
_KEY_BUILDERS = tuple(s.build for s in _KEY_SCENARIOS)
_NEAR_MISS_BUILDERS = tuple(n.build for n in _IAM_NEAR_MISSES)
Params = Callable[[random.Random, str], "dict[str, Any] | None"]


@dataclass(frozen=True, slots=True)
class Actor:
    """A caller of background calls, with its fixed client side."""

    kind: str  # "user", "role" or "service"
    identity: dict[str, Any]  # userIdentity without sessionContext
    source_ip: str
    user_agent: str
    phase: int  # offsets session start times between actors
    cli_agents: Mapping[str, str] | None = None  # AWS CLI: the userAgent names each command


@dataclass(frozen=True, slots=True)
class Template:
    """One kind of background call."""

    service: str
    event_name: str
    read_only: bool
    params: Params
    regional: bool = True
    actors: str = "user role"
    extras: str = ""  # "assume-role", "kms" or "s3": response/resources/additionalEventData


def _p(**fixed: Any) -> Params:
    return lambda rng, account: dict(fixed)


def _bucket(rng: random.Random, account: str) -> dict[str, Any]:
    name = rng.choice(("logs", "artifacts", "backups", "static-site", "data-lake"))
    return {
        "bucketName": f"{name}-{account}",
        "Host": f"{name}-{account}.s3.amazonaws.com",
        "acl": "",
    }


def _instances(rng: random.Random, account: str) -> dict[str, Any]:
    return {
        "instancesSet": {"items": [{"instanceId": f"i-{rng.getrandbits(68):017x}"}]},
        "filterSet": {},
    }


def _kms(rng: random.Random, account: str) -> dict[str, Any]:
    return {
        "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "encryptionContext": {
            "aws:lambda:FunctionArn": f"arn:aws:lambda:us-east-1:{account}:function:worker"
        },
    }


def _parameter(rng: random.Random, account: str) -> dict[str, Any]:
    name = rng.choice(("/app/db/host", "/app/feature-flags", "/ci/deploy/token-ref"))
    return {"name": name, "withDecryption": rng.random() < 0.5}


def _log_stream(rng: random.Random, account: str) -> dict[str, Any]:
    return {
        "logGroupName": rng.choice(("/aws/lambda/worker", "/ecs/api", "/aws/codebuild/ci")),
        "logStreamName": f"2025/10/14/[$LATEST]{rng.getrandbits(128):032x}",
    }


def _assume(rng: random.Random, account: str) -> dict[str, Any]:
    role = rng.choice(c.ROLE_NAMES)
    return {
        "roleArn": f"arn:aws:iam::{account}:role/{role}",
        "roleSessionName": rng.choice(c.SESSION_NAMES),
    }


def _table(rng: random.Random, account: str) -> dict[str, Any]:
    return {"tableName": rng.choice(("orders", "sessions", "audit-events"))}


def _secret(rng: random.Random, account: str) -> dict[str, Any]:
    return {"secretId": rng.choice(("prod/db", "prod/api-key-ref", "ci/registry"))}


def _role(rng: random.Random, account: str) -> dict[str, Any]:
    return {"roleName": rng.choice(c.ROLE_NAMES)}


TEMPLATES: tuple[tuple[int, Template], ...] = (
    (14, Template("ec2", "DescribeInstances", True, _instances)),
    (5, Template("ec2", "DescribeSecurityGroups", True, _p(securityGroupSet={}, filterSet={}))),
    (4, Template("ec2", "DescribeVolumes", True, _p(volumeSet={}, filterSet={}))),
    (
        12,
        Template("sts", "AssumeRole", False, _assume, actors="service user", extras="assume-role"),
    ),
    (5, Template("sts", "GetCallerIdentity", True, _p(), actors="user role")),
    (9, Template("s3", "GetBucketAcl", True, _bucket, extras="s3")),
    (3, Template("s3", "ListBuckets", True, _p(Host="s3.amazonaws.com"), extras="s3")),
    (12, Template("kms", "Decrypt", True, _kms, actors="role", extras="kms")),
    (
        6,
        Template(
            "kms", "GenerateDataKey", True, _p(keySpec="AES_256"), actors="role", extras="kms"
        ),
    ),
    (7, Template("ssm", "GetParameter", True, _parameter)),
    (6, Template("logs", "CreateLogStream", False, _log_stream, actors="role")),
    (3, Template("logs", "DescribeLogGroups", True, _p())),
    (3, Template("lambda", "ListFunctions20150331", True, _p())),
    (4, Template("dynamodb", "DescribeTable", True, _table)),
    (3, Template("secretsmanager", "GetSecretValue", True, _secret, actors="role")),
    (3, Template("monitoring", "DescribeAlarms", True, _p(maxRecords=100))),
    (2, Template("iam", "GetRole", True, _role, regional=False)),
    (1, Template("iam", "ListRoles", True, _p(), regional=False)),
)


_CLI_SERVICE = {"s3": "s3api", "monitoring": "cloudwatch"}


def cli_command(template: Template) -> str:
    """The AWS CLI command of a call: ``ec2.describe-instances``, ``s3api.get-bucket-acl``."""
    name = template.event_name.rstrip("0123456789")  # ListFunctions20150331 -> ListFunctions
    words = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
    return f"{_CLI_SERVICE.get(template.service, template.service)}.{words}"


def _actors(rng: random.Random, moment: datetime, account: str) -> dict[str, list[Actor]]:
    ctx = c.Ctx.create(rng, moment, version_for(moment), account)
    cast: dict[str, list[Actor]] = {"user": [], "role": [], "service": []}
    for index in range(5):
        caller = c.iam_user(ctx, name=c.USER_NAMES[index * 3 % len(c.USER_NAMES)])
        identity = caller.user_identity(ctx.version, moment)
        if index % 2:  # an AWS CLI user: one CLI build, its userAgent names each command
            base = cli_user_agent(rng, moment, "\x00")
            agents = {t.event_name: base.replace("\x00", cli_command(t)) for _, t in TEMPLATES}
            actor = Actor("user", identity, public_ip(rng), base, 0, agents)
        else:
            actor = Actor("user", identity, public_ip(rng), boto3_user_agent(rng, moment), 0)
        cast["user"].append(actor)
    for index in range(4):
        caller = c.assumed_role(
            ctx, role=c.ROLE_NAMES[index], path="/", session_name=c.SESSION_NAMES[index]
        )
        identity = caller.user_identity(ctx.version, moment)
        agent = boto3_user_agent(rng, moment, lambda_env=index % 2 == 0)
        cast["role"].append(Actor("role", identity, public_ip(rng), agent, rng.randrange(3000)))
    service = {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}
    cast["service"].append(
        Actor("service", service, "lambda.amazonaws.com", "lambda.amazonaws.com", 0)
    )
    return cast


class _Stream:
    """Generates one background stream; holds the precomputed parts."""

    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.rng = rng
        self.version = version_for(start)
        self.account = c.random_account(rng)
        self.cast = _actors(rng, start, self.account)
        weights = [w for w, _ in TEMPLATES]
        self.cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
        self.total = self.cumulative[-1]
        self.pools = {
            tpl.actors: [a for k in tpl.actors.split() for a in self.cast[k]]
            for _, tpl in TEMPLATES
        }
        self.has_tls = version_at_least(self.version, "1.08")
        self.has_management = version_at_least(self.version, "1.06")
        self.has_category = version_at_least(self.version, "1.07")
        self.has_read_only = version_at_least(self.version, "1.05")
        self.head = account_head(self.account)
        self.role_ids = {
            f"arn:aws:iam::{self.account}:role/{role}": make_id_from_head(
                "AROA", self.head, rng.getrandbits(44), 21
            )
            for role in c.ROLE_NAMES
        }
        self.kms_keys = {
            region: uuid4_text(rng.getrandbits(128)) for region in sorted(set(REGIONS))
        }

    def record(self, seconds: int, time_text: str) -> dict[str, Any]:
        rng = self.rng
        template = TEMPLATES[bisect.bisect_right(self.cumulative, rng.random() * self.total)][1]
        actor = rng.choice(self.pools[template.actors])
        region = rng.choice(REGIONS) if template.regional else "us-east-1"
        record: dict[str, Any] = {
            "eventVersion": self.version,
            "userIdentity": self._identity(actor, seconds),
            "eventTime": time_text,
            "eventSource": f"{template.service}.amazonaws.com",
            "eventName": template.event_name,
            "awsRegion": region,
            "sourceIPAddress": actor.source_ip,
            "userAgent": actor.cli_agents[template.event_name]
            if actor.cli_agents
            else actor.user_agent,
            "requestParameters": template.params(rng, self.account) or None,
            "responseElements": None,
            "requestID": uuid4_text(rng.getrandbits(128)),
            "eventID": uuid4_text(rng.getrandbits(128)),
        }
        resources = self._extras(record, template, region, seconds) if template.extras else None
        self._trailer(record, template, actor, region, resources)
        return record

    def _extras(
        self, record: dict[str, Any], template: Template, region: str, seconds: int
    ) -> list[dict[str, str]]:
        """Response elements, resources and additionalEventData of the richer calls."""
        account = self.account
        if template.extras == "assume-role":
            params = record["requestParameters"]
            role_arn, session = params["roleArn"], params["roleSessionName"]
            role_id = self.role_ids[role_arn]
            expiry = datetime.fromtimestamp(seconds + 3600, timezone.utc)
            record["responseElements"] = {
                # sessionToken left out: trailsim never emits credentials
                "credentials": {
                    "accessKeyId": self.key_id("ASIA"),
                    "expiration": create_date_text(expiry),
                },
                "assumedRoleUser": {
                    "assumedRoleId": f"{role_id}:{session}",
                    "arn": f"arn:aws:sts::{account}:assumed-role/{role_arn.rsplit('/', 1)[1]}/{session}",
                },
            }
            return [{"accountId": account, "type": "AWS::IAM::Role", "ARN": role_arn}]
        if template.extras == "kms":
            key_arn = f"arn:aws:kms:{region}:{account}:key/{self.kms_keys[region]}"
            if template.event_name == "GenerateDataKey":
                record["requestParameters"]["keyId"] = key_arn
            return [{"accountId": account, "type": "AWS::KMS::Key", "ARN": key_arn}]
        record["requestID"] = alnum_text(self.rng.getrandbits(96), 16).upper()
        record["additionalEventData"] = self._s3_data()
        # additionalEventData sits before requestID/eventID: rebuild the tail in order
        for key in ("requestID", "eventID"):
            record[key] = record.pop(key)
        return []

    def _s3_data(self) -> dict[str, Any]:
        return {
            "SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": 0,
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": alnum_text(self.rng.getrandbits(480), 76) + "=",
            "bytesTransferredOut": self.rng.randrange(200, 4000),
        }

    def key_id(self, prefix: str) -> str:
        return make_id_from_head(prefix, self.head, self.rng.getrandbits(44))

    def _identity(self, actor: Actor, seconds: int) -> dict[str, Any]:
        identity = dict(actor.identity)
        context = identity.get("sessionContext")
        if context is not None:
            # Role sessions last an hour here: renewed hourly, so creationDate < eventTime (rule 23).
            started = seconds - (seconds + actor.phase) % 3000 - 60
            attributes = dict(context["attributes"])
            attributes["creationDate"] = event_time_text(
                datetime.fromtimestamp(started, timezone.utc)
            )
            identity["sessionContext"] = {**context, "attributes": attributes}
        return identity

    def _trailer(
        self,
        record: dict[str, Any],
        template: Template,
        actor: Actor,
        region: str,
        resources: list[dict[str, str]] | None,
    ) -> None:
        if self.has_read_only:
            record["readOnly"] = template.read_only
        if resources:
            record["resources"] = resources
        record["eventType"] = "AwsApiCall"
        if self.has_management:
            record["managementEvent"] = True
        record["recipientAccountId"] = self.account
        if self.has_category:
            record["eventCategory"] = "Management"
        if self.has_tls and actor.kind != "service":
            host = (
                "iam.amazonaws.com"
                if template.service == "iam"
                else f"{template.service}.{region}.amazonaws.com"
            )
            record["tlsDetails"] = {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": host,
            }


def _check_arguments(count: object, share: object) -> None:
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ScenarioError("count", count, "is not a whole number >= 0")
    if (
        not isinstance(share, int | float)
        or isinstance(share, bool)
        or not (0.0 <= share <= 1.0 - NEAR_MISS_SHARE)
    ):
        raise ScenarioError(
            "share", share, f"is not a fraction between 0 and {1 - NEAR_MISS_SHARE}"
        )


def background_records(
    count: int, *, share: float = 0.005, seed: int = 0, at: datetime | str | None = None
) -> Iterator[dict[str, Any]]:
    """``count`` CloudTrail records of mixed traffic starting at ``at``, deterministic in the seed.

    ``share`` of them (drawn independently per record) are CreateAccessKey calls and about 4.5 %
    other IAM write calls (near misses); eventTime never decreases.  Arguments are checked
    before the first record is produced (ScenarioError).
    """
    _check_arguments(count, share)
    rng = random.Random(c.mix_seed("background", seed))
    start_draw = rng.getrandbits(32)
    start = (
        parse_at(at) if at is not None else seeded_time(*seed_window(DEFAULT_VERSION), start_draw)
    )
    return _generate(rng, start, count, float(share))


def _generate(
    rng: random.Random, start: datetime, count: int, share: float
) -> Iterator[dict[str, Any]]:
    stream = _Stream(rng, start)
    seconds = int(start.timestamp())
    time_text = event_time_text(start)
    threshold = share + NEAR_MISS_SHARE
    for _ in range(count):
        draw = rng.random()
        if draw >= threshold:
            yield stream.record(seconds, time_text)
        else:
            moment = datetime.fromtimestamp(seconds, timezone.utc)
            ctx = c.Ctx(random.Random(rng.getrandbits(64)), moment, stream.version, stream.account)
            builders = _KEY_BUILDERS if draw < share else _NEAR_MISS_BUILDERS
            yield pick(rng, builders)(ctx)
        if rng.getrandbits(1):  # 0 or 1 s to the next call: about 2 calls per second
            seconds += 1
            time_text = event_time_text(datetime.fromtimestamp(seconds, timezone.utc))
