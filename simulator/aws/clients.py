"""The one place trailsim makes boto3 sessions and clients.

``endpoint_url`` is the only switch between real AWS and the local cloud (design/style.md §7):
the same code path, the same botocore service model, the same exception classes.  Credentials
come from boto3's standard chain (or the named profile) and are never printed or stored here.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from simulator.errors import AwsError, ConfigError

DEFAULT_REGION = "us-east-1"

# The local cloud reads the key and scope, never the signature (local/moto_app.py); these stand in
# when a local endpoint is targeted and the standard chain has no credentials at all.
_LOCAL_ACCESS_KEY = "testing"
_LOCAL_SECRET_KEY = "testing"


@dataclass(frozen=True)
class AwsTarget:
    """Where AWS calls go: a profile and region, and optionally an endpoint (the local cloud)."""

    profile: str | None = None
    region: str = DEFAULT_REGION
    endpoint_url: str | None = None

    @property
    def is_local(self) -> bool:
        """True when calls go to an explicit endpoint rather than AWS's public one."""
        return self.endpoint_url is not None

    def describe(self) -> str:
        """A one-line, secret-free description for reports: where the calls go."""
        if self.endpoint_url:
            return f"{self.endpoint_url} ({self.region})"
        profile = f", profile {self.profile}" if self.profile else ""
        return f"AWS {self.region}{profile}"

    def session(self) -> Any:
        """A boto3 Session for this target (raises ConfigError for an unknown profile).

        A loopback endpoint without a profile gets placeholder credentials: the local cloud
        reads only the key and scope (local/moto_app.py), and the user's real key ID has no
        business in a local server's logs.
        """
        import boto3
        from botocore.exceptions import ProfileNotFound

        if self.is_loopback and self.profile is None:
            return _placeholder_session(self.region)
        try:
            session = boto3.Session(profile_name=self.profile, region_name=self.region)
        except ProfileNotFound as err:
            raise ConfigError("--profile", self.profile, "a profile in your AWS config") from err
        if self.endpoint_url and not has_credentials(session):
            # Some endpoint needs *some* signature; real AWS behind a custom endpoint rejects
            # these with its own error, so nothing is hidden.
            return _placeholder_session(self.region)
        return session

    @property
    def is_loopback(self) -> bool:
        """True when the endpoint is on this machine (127.0.0.0/8, ::1 or localhost)."""
        if not self.endpoint_url:
            return False
        host = urlsplit(self.endpoint_url).hostname or ""
        return host == "localhost" or host == "::1" or host.startswith("127.")

    def client(self, service: str, session: Any = None) -> Any:
        """A boto3 client for `service` at this target's endpoint (or AWS's when none)."""
        return make_client(session or self.session(), service, endpoint_url=self.endpoint_url)


def _placeholder_session(region: str) -> Any:
    import boto3

    return boto3.Session(
        aws_access_key_id=_LOCAL_ACCESS_KEY,
        aws_secret_access_key=_LOCAL_SECRET_KEY,
        region_name=region,
    )


def make_client(session: Any, service: str, *, endpoint_url: str | None = None) -> Any:
    """`session.client(service)` pointed at `endpoint_url`; the only client factory trailsim uses."""
    from botocore.config import Config

    # Standard retries: throttling and dropped connections are retried; 4xx answers are verdicts.
    config = Config(retries={"mode": "standard"})  # AWS_MAX_ATTEMPTS still applies
    try:
        return session.client(service, endpoint_url=endpoint_url, config=config)
    except ValueError as err:  # botocore rejects a malformed endpoint URL with ValueError
        raise ConfigError("--endpoint-url", endpoint_url, "an http(s) URL") from err


_CLIENTS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str | None], Any]] = (
    weakref.WeakKeyDictionary()
)
_CLIENTS_LOCK = threading.Lock()


def cached_client(session: Any, service: str, *, endpoint_url: str | None = None) -> Any:
    """`make_client`, made once per (session, service, endpoint) and reused while the session
    lives: building a botocore client loads its service model (~100 ms), a call takes ~5 ms."""
    with _CLIENTS_LOCK:
        clients = _CLIENTS.setdefault(session, {})
        client = clients.get((service, endpoint_url))
        if client is None:
            client = clients[(service, endpoint_url)] = make_client(
                session, service, endpoint_url=endpoint_url
            )
        return client


def has_credentials(session: Any) -> bool:
    """True when boto3's chain finds credentials for `session` (without printing them)."""
    try:
        return session.get_credentials() is not None
    except Exception:  # a broken credential_process or SSO cache counts as "no credentials"
        return False


def aws_error_from(operation: str, err: Exception) -> AwsError:
    """An AwsError for a botocore failure: its code and message, never the request's secrets."""
    response = getattr(err, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        return AwsError(operation, code, str(error.get("Message") or err))
    return AwsError(operation, type(err).__name__, str(err))
