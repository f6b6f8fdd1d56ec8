"""Who made the call: CloudTrail's ``userIdentity`` per caller type (research §2).

:class:`CallerIdentity` is the caller as IAM/STS knows it; :meth:`CallerIdentity.user_identity`
renders it the way a record of a given eventVersion shows it.  The invariants of §2 hold by
construction: the account in every ARN and ID is ``account``; long-term keys (AKIA) have no
session context; temporary keys (ASIA) always do; AssumedRole has no top-level userName and its
principalId is ``<role id>:<session>``.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from simulator.errors import ScenarioError
from simulator.events.clock import event_time_text
from simulator.events.ids import UNIQUE_ID_RE, decode_account, make_id

_ARN_RE = re.compile(
    r"^arn:aws:(?P<service>iam|sts)::(?P<account>\d{12}):"
    r"(?P<kind>root|user|assumed-role|federated-user)(?P<rest>/.*)?$"
)


@dataclass(frozen=True, slots=True)
class SessionIssuer:
    """The role (or IAM user, for federation tokens) that issued a session's credentials."""

    type: str  # "Role" or "IAMUser"
    principal_id: str
    arn: str
    account: str
    user_name: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "principalId": self.principal_id,
            "arn": self.arn,
            "accountId": self.account,
            "userName": self.user_name,
        }


@dataclass(frozen=True, slots=True)
class Session:
    """``sessionContext`` of temporary (ASIA) credentials."""

    created: datetime | None = None  # None: 15 minutes before the event
    mfa_authenticated: bool = False
    issuer: SessionIssuer | None = None
    web_identity_provider: str | None = None  # OIDC provider ARN for web-identity roles
    source_identity: str | None = None


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """The principal that signed a request, with the credentials it used."""

    type: str  # "IAMUser", "Root", "AssumedRole" or "FederatedUser"
    account: str
    arn: str
    principal_id: str
    access_key_id: str
    user_name: str | None = None
    session: Session | None = None
    invoked_by: str | None = None
    extra: Mapping[str, Any] | None = None  # newer optional members (inScopeOf, ...)

    @property
    def name(self) -> str:
        """The name that appears in messages and defaults (user, session, or 'root')."""
        return self.user_name or self.arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]

    def with_invoked_by(self, service: str | None) -> CallerIdentity:
        return replace(self, invoked_by=service)

    def user_identity(self, version: str, event_time: datetime) -> dict[str, Any]:
        """``userIdentity`` as a record of ``version`` shows it, in CloudTrail's key order."""
        out: dict[str, Any] = {"type": self.type, "principalId": self.principal_id}
        out["arn"] = self.arn
        out["accountId"] = self.account
        if self.access_key_id:  # console sign-in records carry none
            out["accessKeyId"] = self.access_key_id
        if self.user_name is not None and self.type in ("IAMUser", "Root"):
            out["userName"] = self.user_name
        if self.session is not None:
            out["sessionContext"] = _session_context(self.session, version, event_time)
        if self.invoked_by is not None:
            out["invokedBy"] = self.invoked_by
        if self.extra:
            out.update(self.extra)
        return out

    @classmethod
    def from_arn(
        cls,
        arn: str,
        access_key_id: str,
        *,
        user_id: str | None = None,
        session_context: Mapping[str, Any] | None = None,
    ) -> CallerIdentity:
        """The caller as IAM/STS know it (e.g. from moto), made to look like AWS's.

        ``user_id`` is the IAM unique ID (AIDA... for users, AROA... or ``AROA...:session`` for
        roles).  An ID that is missing or not a well-formed ID of ``arn``'s account (moto's user
        IDs are lower-case random text) is replaced by one derived from the ARN, so the same
        caller always gets the same ID.  ``session_context`` may give CloudTrail's
        ``sessionContext`` (``attributes.creationDate``/``mfaAuthenticated``, ``sessionIssuer``).
        """
        match = _ARN_RE.match(arn)
        if match is None:
            raise ScenarioError(
                "arn", arn, "is not an IAM user, root, assumed-role or federated-user ARN"
            )
        account, kind, rest = match["account"], match["kind"], (match["rest"] or "")[1:]
        session = _session_from_context(session_context, access_key_id, kind, account, arn)
        if kind == "root":
            return cls("Root", account, arn, account, access_key_id, session=session)
        if kind == "user":
            principal = _unique_id("AIDA", account, arn, user_id)
            name = rest.rsplit("/", 1)[-1]
            return cls("IAMUser", account, arn, principal, access_key_id, name, session)
        if kind == "federated-user":
            return cls(
                "FederatedUser", account, arn, f"{account}:{rest}", access_key_id, session=session
            )
        return _assumed_role(arn, account, rest, access_key_id, user_id, session)


def _assumed_role(
    arn: str, account: str, rest: str, key: str, user_id: str | None, session: Session | None
) -> CallerIdentity:
    role, _, session_name = rest.partition("/")
    role_id = _unique_id("AROA", account, f"role/{role}", (user_id or "").split(":")[0])
    if session is None or session.issuer is None:
        # The assumed-role ARN drops the role's path; without sessionContext we assume "/".
        issuer = SessionIssuer(
            "Role", role_id, f"arn:aws:iam::{account}:role/{role}", account, role
        )
        session = replace(session or Session(), issuer=issuer)
    return CallerIdentity(
        "AssumedRole", account, arn, f"{role_id}:{session_name}", key, session=session
    )


def _unique_id(prefix: str, account: str, seed_text: str, given: str | None) -> str:
    if (
        given
        and UNIQUE_ID_RE.match(given)
        and given.startswith(prefix)
        and decode_account(given) in (account, None)
    ):
        return given
    digest = hashlib.blake2b(f"{account}:{seed_text}".encode(), digest_size=8).digest()
    return make_id(prefix, account, int.from_bytes(digest, "big"), 21)


def _session_from_context(
    context: Mapping[str, Any] | None, key: str, kind: str, account: str, arn: str
) -> Session | None:
    if context is None:
        if not key.startswith("ASIA"):
            return None
        # GetSessionToken credentials can call IAM only with MFA (rule 24); role sessions need not.
        return Session(mfa_authenticated=kind in ("user", "root"))
    attributes = context.get("attributes") or {}
    created_text = attributes.get("creationDate")
    created = None
    if isinstance(created_text, str):
        from simulator.events.clock import parse_at

        created = parse_at(created_text)
    issuer_map = context.get("sessionIssuer") or {}
    issuer = None
    if issuer_map.get("arn"):
        issuer = SessionIssuer(
            str(issuer_map.get("type", "Role")),
            str(issuer_map.get("principalId", "")),
            str(issuer_map["arn"]),
            str(issuer_map.get("accountId", account)),
            str(issuer_map.get("userName", "")),
        )
    mfa = str(attributes.get("mfaAuthenticated", "false")).lower() == "true"
    return Session(created, mfa, issuer)


def _session_context(session: Session, version: str, event_time: datetime) -> dict[str, Any]:
    created = session.created or event_time - timedelta(minutes=15)
    attributes = {
        "creationDate": event_time_text(created),
        "mfaAuthenticated": "true" if session.mfa_authenticated else "false",
    }
    if version == "1.05" or version == "1.02":
        # 2020-era records list mfaAuthenticated first (elastic-1.json).
        attributes = {
            "mfaAuthenticated": attributes["mfaAuthenticated"],
            "creationDate": attributes["creationDate"],
        }
    context: dict[str, Any] = {}
    modern = version_at_least(version, "1.09")
    # Empty sessionIssuer/webIdFederationData appear as {} up to 1.08 and are omitted from 1.09 (rule 28).
    if session.issuer is not None:
        context["sessionIssuer"] = session.issuer.as_dict()
    elif not modern:
        context["sessionIssuer"] = {}
    if session.web_identity_provider is not None:
        context["webIdFederationData"] = {
            "federatedProvider": session.web_identity_provider,
            "attributes": {},
        }
    elif not modern:
        context["webIdFederationData"] = {}
    context["attributes"] = attributes
    if session.source_identity is not None:
        context["sourceIdentity"] = session.source_identity
    return context


@functools.lru_cache(maxsize=256)
def version_at_least(version: str, floor: str) -> bool:
    """True when eventVersion ``version`` is ``floor`` or later (``1.10`` > ``1.09``)."""
    return _version_key(version) >= _version_key(floor)


def _version_key(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    try:
        return int(major), int(minor.ljust(2, "0")) if len(minor) == 1 else int(minor or 0)
    except ValueError:
        return (0, 0)
