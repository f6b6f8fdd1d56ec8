"""Near misses: events an alert on iam:CreateAccessKey must not fire on (research §8).

Each is realistic on its own terms.  ``iam-wrong-region`` is the one deliberate exception: a
CreateAccessKey as a bus outside us-east-1 would see it, which AWS never delivers (IAM events
reach only us-east-1 [RP1]); it tests rules that pin the region.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from simulator.errors import ScenarioError
from simulator.events import context as c
from simulator.events.builders import request_id
from simulator.events.clients import public_ip, tls_details
from simulator.events.clock import create_date_text, parse_at, seed_window, seeded_time, version_for
from simulator.events.cloudtrail import ClientSide, build_record
from simulator.events.envelope import record_to_envelope
from simulator.events.identities import CallerIdentity
from simulator.events.ids import uuid4_text
from simulator.events.scenarios import DEFAULT_VERSION, SCENARIOS

OTHER_REGIONS = ("us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-east-2")


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A named event that resembles CreateAccessKey but is not one the alert should see."""

    name: str
    description: str
    build: Callable[[c.Ctx], dict[str, Any]]
    iam: bool = True  # an IAM event (eventSource iam.amazonaws.com)


def iam_record(
    ctx: c.Ctx,
    caller: CallerIdentity,
    client: ClientSide,
    event_name: str,
    params: Mapping[str, Any] | None,
    response: Mapping[str, Any] | None = None,
    read_only: bool = False,
) -> dict[str, Any]:
    """An IAM management-event record by ``caller`` (us-east-1, like every IAM record)."""
    return build_record(
        version=ctx.version,
        caller=caller,
        moment=ctx.moment,
        event_source="iam.amazonaws.com",
        event_name=event_name,
        region="us-east-1",
        client=client,
        request_parameters=params,
        response_elements=response,
        request_id=request_id(ctx),
        event_id=uuid4_text(ctx.bits(128)),
        read_only=read_only,
    )


def _cli(ctx: c.Ctx, command: str) -> tuple[CallerIdentity, ClientSide]:
    return c.iam_user(ctx, path="/admins/"), c.cli_client(ctx, command)


def _delete_key(ctx: c.Ctx) -> dict[str, Any]:
    caller, client = _cli(ctx, "iam.delete-access-key")
    params = {"userName": ctx.user_name(caller.user_name), "accessKeyId": ctx.key_id()}
    return iam_record(ctx, caller, client, "DeleteAccessKey", params)


def _update_key(ctx: c.Ctx) -> dict[str, Any]:
    caller, client = _cli(ctx, "iam.update-access-key")
    params = {
        "userName": ctx.user_name(caller.user_name),
        "accessKeyId": ctx.key_id(),
        "status": ctx.rng.choice(("Inactive", "Active")),
    }
    return iam_record(ctx, caller, client, "UpdateAccessKey", params)


def _create_user(ctx: c.Ctx) -> dict[str, Any]:
    caller, client = _cli(ctx, "iam.create-user")
    name = ctx.user_name(caller.user_name)
    user = {
        "path": "/",
        "userName": name,
        "userId": ctx.unique_id("AIDA"),
        "arn": f"arn:aws:iam::{ctx.account}:user/{name}",
        "createDate": create_date_text(ctx.moment),
    }
    return iam_record(ctx, caller, client, "CreateUser", {"userName": name}, {"user": user})


def _create_login_profile(ctx: c.Ctx) -> dict[str, Any]:
    caller, client = _cli(ctx, "iam.create-login-profile")
    name = ctx.user_name(caller.user_name)
    reset = ctx.rng.random() < 0.7
    profile = {
        "userName": name,
        "createDate": create_date_text(ctx.moment),
        "passwordResetRequired": reset,
    }
    params = {"userName": name, "passwordResetRequired": reset}  # the password is never logged
    return iam_record(ctx, caller, client, "CreateLoginProfile", params, {"loginProfile": profile})


def _create_service_credential(ctx: c.Ctx) -> dict[str, Any]:
    caller, client = _cli(ctx, "iam.create-service-specific-credential")
    name = ctx.user_name(caller.user_name)
    service = ctx.rng.choice(("codecommit.amazonaws.com", "cassandra.amazonaws.com"))
    credential = {
        "createDate": create_date_text(ctx.moment),
        "serviceName": service,
        "serviceUserName": f"{name}-at-{ctx.account}",
        "serviceSpecificCredentialId": ctx.unique_id("ACCA"),
        "userName": name,
        "status": "Active",
    }  # servicePassword omitted, like secrets (unconfirmed)
    return iam_record(
        ctx,
        caller,
        client,
        "CreateServiceSpecificCredential",
        {"userName": name, "serviceName": service},
        {"serviceSpecificCredential": credential},
    )


def _list_keys(ctx: c.Ctx) -> dict[str, Any]:
    caller, client = _cli(ctx, "iam.list-access-keys")
    return iam_record(
        ctx,
        caller,
        client,
        "ListAccessKeys",
        {"userName": ctx.user_name(caller.user_name)},
        read_only=True,
    )


def _wrong_region(ctx: c.Ctx) -> dict[str, Any]:
    record = SCENARIOS["iam-user-cli"].build(ctx)
    record["awsRegion"] = ctx.rng.choice(OTHER_REGIONS)
    return record


def _regional(ctx: c.Ctx, service: str, command: str) -> tuple[str, CallerIdentity, ClientSide]:
    region = ctx.rng.choice((*OTHER_REGIONS, "us-east-1"))
    client = c.cli_client(ctx, command)
    tls = tls_details(ctx.rng, ctx.moment, f"{service}.{region}.amazonaws.com")
    return region, c.assumed_role(ctx), ClientSide(client.source_ip, client.user_agent, tls)


def _ec2_create_key_pair(ctx: c.Ctx) -> dict[str, Any]:
    region, caller, client = _regional(ctx, "ec2", "ec2.create-key-pair")
    name = ctx.rng.choice(("deploy-key", "bastion", "ci-runner-key"))
    fingerprint = ":".join(f"{ctx.bits(8):02x}" for _ in range(20))
    response = {
        "requestId": uuid4_text(ctx.bits(128)),
        "keyName": name,
        "keyFingerprint": fingerprint,
        "keyPairId": f"key-{ctx.bits(68):017x}",
    }
    return build_record(
        version=ctx.version,
        caller=caller,
        moment=ctx.moment,
        event_source="ec2.amazonaws.com",
        event_name="CreateKeyPair",
        region=region,
        client=client,
        request_parameters={"keyName": name, "keyType": "rsa", "keyFormat": "pem"},
        response_elements=response,
        request_id=response["requestId"],
        event_id=uuid4_text(ctx.bits(128)),
    )


def _sts_assume_role(ctx: c.Ctx) -> dict[str, Any]:
    region, caller, client = _regional(ctx, "sts", "sts.assume-role")
    caller = c.iam_user(ctx)
    role_id, session = ctx.unique_id("AROA"), ctx.rng.choice(c.SESSION_NAMES)
    role_arn = f"arn:aws:iam::{ctx.account}:role/{ctx.rng.choice(c.ROLE_NAMES)}"
    expiry = ctx.moment + timedelta(hours=1)
    response = {  # sessionToken left out on purpose: trailsim never emits credentials
        "credentials": {"accessKeyId": ctx.key_id("ASIA"), "expiration": create_date_text(expiry)},
        "assumedRoleUser": {
            "assumedRoleId": f"{role_id}:{session}",
            "arn": role_arn.replace(":iam:", ":sts:").replace(":role/", ":assumed-role/")
            + f"/{session}",
        },
    }
    return build_record(
        version=ctx.version,
        caller=caller,
        moment=ctx.moment,
        event_source="sts.amazonaws.com",
        event_name="AssumeRole",
        region=region,
        client=client,
        request_parameters={"roleArn": role_arn, "roleSessionName": session},
        response_elements=response,
        request_id=uuid4_text(ctx.bits(128)),
        event_id=uuid4_text(ctx.bits(128)),
    )


def _console_sign_in(ctx: c.Ctx) -> dict[str, Any]:
    base = c.iam_user(ctx)
    caller = CallerIdentity(
        "IAMUser", base.account, base.arn, base.principal_id, "", base.user_name
    )
    agent = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/128.0.0.0 Safari/537.36"
    )
    return build_record(
        version=ctx.version,
        caller=caller,
        moment=ctx.moment,
        event_source="signin.amazonaws.com",
        event_name="ConsoleLogin",
        region="us-east-1",
        client=ClientSide(public_ip(ctx.rng), agent),
        request_parameters=None,
        response_elements={"ConsoleLogin": "Success"},
        additional_event_data={
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": "Yes",
        },
        request_id=uuid4_text(ctx.bits(128)),
        event_id=uuid4_text(ctx.bits(128)),
        event_type="AwsConsoleSignIn",
    )


def _n(
    name: str, description: str, build: Callable[[c.Ctx], dict[str, Any]], iam: bool = True
) -> tuple[str, NearMiss]:
    return name, NearMiss(name, description, build, iam)


NEAR_MISSES: Mapping[str, NearMiss] = MappingProxyType(
    dict(
        [
            _n(
                "delete-access-key",
                "iam:DeleteAccessKey (write, delivered under ENABLED)",
                _delete_key,
            ),
            _n(
                "update-access-key",
                "iam:UpdateAccessKey deactivating or activating a key",
                _update_key,
            ),
            _n(
                "create-user",
                "iam:CreateUser with the new user's AIDA ID in responseElements",
                _create_user,
            ),
            _n(
                "create-login-profile",
                "iam:CreateLoginProfile (console password; never logged)",
                _create_login_profile,
            ),
            _n(
                "create-service-specific-credential",
                "iam:CreateServiceSpecificCredential (ACCA... ID)",
                _create_service_credential,
            ),
            _n(
                "list-access-keys",
                "iam:ListAccessKeys: read-only, delivered only to rules in "
                "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
                _list_keys,
            ),
            _n(
                "iam-wrong-region",
                "a CreateAccessKey as seen in a region other than us-east-1 (never "
                "delivered by AWS: IAM events reach only us-east-1)",
                _wrong_region,
            ),
            _n(
                "ec2-create-key-pair",
                "ec2:CreateKeyPair: another service's 'create key' call",
                _ec2_create_key_pair,
                iam=False,
            ),
            _n(
                "sts-assume-role",
                "sts:AssumeRole issuing temporary credentials (ASIA)",
                _sts_assume_role,
                iam=False,
            ),
            _n(
                "console-sign-in",
                "signin:ConsoleLogin (AwsConsoleSignIn event type)",
                _console_sign_in,
                iam=False,
            ),
        ]
    )
)


def get_near_miss(name: str) -> NearMiss:
    try:
        return NEAR_MISSES[name]
    except (KeyError, TypeError):
        raise ScenarioError(
            "near_miss", name, "is not a near miss; run 'trailsim scenarios'"
        ) from None


def near_miss_record(name: str, seed: int = 0, at: datetime | str | None = None) -> dict[str, Any]:
    """The raw CloudTrail record of near miss ``name`` (deterministic in (name, seed, at))."""
    spec = get_near_miss(name)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ScenarioError("seed", seed, "is not an integer")
    rng = c.seeded_random(c.mix_seed("near-miss:" + name, seed))
    start, end = seed_window(DEFAULT_VERSION)
    draw = rng.getrandbits(32)
    moment = parse_at(at) if at is not None else seeded_time(start, end, draw)
    return spec.build(c.Ctx.create(rng, moment, version_for(moment)))


def near_miss_event(name: str, seed: int = 0, at: datetime | str | None = None) -> dict[str, Any]:
    """Near miss ``name`` as an EventBridge envelope."""
    return record_to_envelope(near_miss_record(name, seed, at))


__all__ = ["NEAR_MISSES", "NearMiss", "get_near_miss", "near_miss_event", "near_miss_record"]
