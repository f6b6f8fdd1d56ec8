"""What the gateway reads from a request: the SigV4 credential scope and the body.

The scope (``Credential=<key>/<date>/<region>/<service>/aws4_request``) names the service a
client signed for, which is how AWS SDKs address a service at a single endpoint URL; moto's
server routes the same way (``DomainDispatcherApplication.infer_service_region_host``).
"""

from __future__ import annotations

import io
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SignedScope:
    """The credential scope of a SigV4-signed request."""

    access_key: str
    date: str
    region: str
    service: str


def credential_scope(environ: dict[str, Any]) -> SignedScope | None:
    """The SigV4 scope from the Authorization header; None for unsigned or malformed requests."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match is None:
        return None
    return SignedScope(match[1], match[2], match[3], match[4].lower())


def read_body(environ: MutableMapping[str, Any]) -> bytes:
    """The request body, read once and put back so the next app can read it again."""
    cached = environ.get("trailsim.body")
    if isinstance(cached, bytes):
        return cached
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    body = stream.read(min(length, MAX_BODY)) if stream is not None and length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["trailsim.body"] = body
    return body


def replace_body(environ: MutableMapping[str, Any], body: bytes) -> None:
    """Give the request a rewritten body, where `read_body` and the next app will read it."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["trailsim.body"] = body
    environ["CONTENT_LENGTH"] = str(len(body))
