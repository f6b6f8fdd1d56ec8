"""How each CreateAccessKey scenario builds its record (research §2, §7, §3).

Every builder is a function of a :class:`~simulator.events.context.Ctx` returning the record; the
registry with names and descriptions is :data:`simulator.events.scenarios.SCENARIOS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.events import context as c
from simulator.events.clock import create_date_text
from simulator.events.cloudtrail import ClientSide, build_record
from simulator.events.identities import CallerIdentity
from simulator.events.ids import uuid1_text, uuid4_text

Builder = Callable[[c.Ctx], dict[str, Any]]


def create_key_record(
    ctx: c.Ctx,
    caller: CallerIdentity,
    client: ClientSide,
    target: str | None,
    error: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The CreateAccessKey record; ``target`` None means the caller omitted UserName (rule 12)."""
    response = None
    if error is None:
        key: dict[str, Any] = {"accessKeyId": new_key_id(ctx, caller), "status": "Active"}
        owner = target if target is not None else caller.user_name
        if owner is not None:  # root's own keys carry no userName (PAN-R, unconfirmed)
            key["userName"] = owner
        key["createDate"] = create_date_text(ctx.moment)
        response = {"accessKey": key}
    return build_record(
        version=ctx.version,
        caller=caller,
        moment=ctx.moment,
        event_source="iam.amazonaws.com",
        event_name="CreateAccessKey",
        region="us-east-1",
        client=client,
        request_parameters={"userName": target} if target is not None else None,
        response_elements=response,
        request_id=request_id(ctx),
        event_id=uuid4_text(ctx.bits(128)),
        error=error,
    )


def new_key_id(ctx: c.Ctx, caller: CallerIdentity) -> str:
    key = ctx.key_id("AKIA")
    while key == caller.access_key_id:  # rule 9: differs from the caller's key
        key = ctx.key_id("AKIA")
    return key


def request_id(ctx: c.Ctx) -> str:
    """IAM requestIDs: time-based v1 in 2018-2019 records, v4 after [BOTS][STR]."""
    if ctx.moment.year < 2020:
        return uuid1_text(ctx.bits(88), int(ctx.moment.timestamp()))
    return uuid4_text(ctx.bits(128))


# ---- callers ----------------------------------------------------------------------------------


def iam_user_with(client: Callable[[c.Ctx], ClientSide]) -> Builder:
    def build(ctx: c.Ctx) -> dict[str, Any]:
        caller = c.iam_user(ctx)
        return create_key_record(ctx, caller, client(ctx), ctx.user_name(avoid=caller.user_name))

    return build


def iam_user_self(ctx: c.Ctx) -> dict[str, Any]:
    return create_key_record(ctx, c.iam_user(ctx), c.cli_client(ctx), None)


def iam_user_console(ctx: c.Ctx) -> dict[str, Any]:
    client, invoked_by = c.console_client(ctx)
    caller = c.iam_user(ctx, temporary=True, mfa=ctx.rng.random() < 0.7).with_invoked_by(invoked_by)
    return create_key_record(ctx, caller, client, ctx.user_name(avoid=caller.user_name))


def iam_user_session_token(ctx: c.Ctx) -> dict[str, Any]:
    # GetSessionToken credentials call IAM only with MFA (rule 24); lifetime up to 36 h.
    caller = c.iam_user(ctx, temporary=True, mfa=True, session_hours=36)
    return create_key_record(ctx, caller, c.sdk_client(ctx), ctx.user_name(avoid=caller.user_name))


def admin_for_other(ctx: c.Ctx) -> dict[str, Any]:
    caller = c.iam_user(ctx, path="/admins/", name=c.pick(ctx.rng, ("ops-admin", "alice.ng")))
    return create_key_record(ctx, caller, c.cli_client(ctx), ctx.user_name(avoid=caller.user_name))


def root_api(ctx: c.Ctx) -> dict[str, Any]:
    return create_key_record(ctx, c.root(ctx), c.cli_client(ctx), ctx.user_name())


def root_console(ctx: c.Ctx) -> dict[str, Any]:
    client, invoked_by = c.console_client(ctx)
    caller = c.root(ctx, temporary=True).with_invoked_by(invoked_by)
    return create_key_record(ctx, caller, client, ctx.user_name())


def root_own_key(ctx: c.Ctx) -> dict[str, Any]:
    client, invoked_by = c.console_client(ctx)
    caller = c.root(ctx, temporary=True).with_invoked_by(invoked_by)
    return create_key_record(ctx, caller, client, None)


def assumed_role(ctx: c.Ctx) -> dict[str, Any]:
    client = c.cli_client(ctx) if ctx.rng.random() < 0.5 else c.sdk_client(ctx)
    return create_key_record(ctx, c.assumed_role(ctx), client, ctx.user_name())


def sso_role(ctx: c.Ctx) -> dict[str, Any]:
    client, invoked_by = c.console_client(ctx)
    caller = c.sso_role(ctx).with_invoked_by(invoked_by)
    return create_key_record(ctx, caller, client, ctx.user_name())


def github_oidc(ctx: c.Ctx) -> dict[str, Any]:
    provider = f"arn:aws:iam::{ctx.account}:oidc-provider/token.actions.githubusercontent.com"
    caller = c.assumed_role(
        ctx,
        role="github-actions-deploy",
        path="/",
        session_name="GitHubActions",
        web_identity=provider,
    )
    return create_key_record(ctx, caller, c.cli_client(ctx), ctx.user_name())


def federated(ctx: c.Ctx) -> dict[str, Any]:
    # Federation-token credentials reach IAM only through the console (rule 25).
    client, invoked_by = c.console_client(ctx)
    caller = c.federated_user(ctx).with_invoked_by(invoked_by)
    return create_key_record(ctx, caller, client, ctx.user_name())


def cloudformation(ctx: c.Ctx) -> dict[str, Any]:
    service = "cloudformation.amazonaws.com"
    caller = (
        c.assumed_role(ctx, role="DeployRole") if ctx.rng.random() < 0.5 else c.iam_user(ctx)
    ).with_invoked_by(service)
    stack = c.pick(ctx.rng, ("ci-users", "platform-iam", "app-backend"))
    suffix = "".join(c.pick(ctx.rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(12))
    target = f"{stack}-DeployUser-{suffix}"
    return create_key_record(ctx, caller, c.service_client(service), target)


# ---- errors (§7) ------------------------------------------------------------------------------


def limit_exceeded(ctx: c.Ctx) -> dict[str, Any]:
    caller = c.iam_user(ctx)
    error = ("LimitExceededException", "Cannot exceed quota for AccessKeysPerUser: 2")
    return create_key_record(ctx, caller, c.cli_client(ctx), ctx.user_name(caller.user_name), error)


def no_such_entity(ctx: c.Ctx) -> dict[str, Any]:
    caller = c.iam_user(ctx)
    target = c.pick(ctx.rng, ("deploy-bot-old", "alice.ng2", "svc-legacy-ci"))
    error = ("NoSuchEntityException", f"The user with name {target} cannot be found.")
    return create_key_record(ctx, caller, c.cli_client(ctx), target, error)


def access_denied(ctx: c.Ctx) -> dict[str, Any]:
    caller = c.assumed_role(ctx, role="DataEngineer") if ctx.rng.random() < 0.5 else c.iam_user(ctx)
    target = ctx.user_name(caller.user_name)
    message = (
        f"User: {caller.arn} is not authorized to perform: iam:CreateAccessKey on "
        f"resource: user {target}"
    )
    if ctx.moment.year >= 2021:  # the "because ..." tail arrived in 2021 [BOTS][ACC]
        message += " because no identity-based policy allows the iam:CreateAccessKey action"
    return create_key_record(ctx, caller, c.cli_client(ctx), target, ("AccessDenied", message))


# ---- versions (§3) ----------------------------------------------------------------------------


def version_builder(kind: str) -> Builder:
    def build(ctx: c.Ctx) -> dict[str, Any]:
        if kind == "console":
            return iam_user_console(ctx)
        if kind == "session":
            return iam_user_session_token(ctx)
        if kind == "sdk":
            return iam_user_with(c.sdk_client)(ctx)
        if kind == "terraform":
            return iam_user_with(c.terraform_client)(ctx)
        return iam_user_with(c.cli_client)(ctx)

    return build
