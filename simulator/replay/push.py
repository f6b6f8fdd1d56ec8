"""Send matched events to an EventBridge bus (the local cloud's or a real one), rate-limited.

EventBridge refuses ``PutEvents`` entries whose source starts with ``aws.``
(``NotAuthorizedForSourceException``, cloudtrail-anatomy.md §5 [PERR]), so a replayed CloudTrail
event cannot pose as the real one.  It is re-sent with a custom source (default
``trailsim.replay``) and the original ``detail-type`` and ``detail``; a *mirror rule* - the
user's pattern with ``source`` replaced by that custom source (``mirror_pattern``) - routes it to
the same targets.  PutEvents takes at most 10 entries per call.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from simulator.errors import ConfigError

MAX_ENTRIES = 10  # PutEvents limit per request
DEFAULT_SOURCE = "trailsim.replay"


def mirror_pattern(pattern: Mapping[str, Any], source: str = DEFAULT_SOURCE) -> dict[str, Any]:
    """``pattern`` with its ``source`` test replaced by the custom source replays use."""
    return {**pattern, "source": [source]}


@dataclass(slots=True)
class PushStats:
    sent: int = 0
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "errors": dict(self.errors)}


class Pusher:
    """Batches envelopes into PutEvents calls at no more than ``rate`` entries per second."""

    def __init__(
        self, client: Any, *, bus: str = "default", source: str = DEFAULT_SOURCE, rate: float = 10.0
    ) -> None:
        if rate <= 0:
            raise ConfigError("--push-rate", rate, "a positive number of events per second")
        if source.startswith("aws."):
            raise ConfigError(
                "--push-source",
                source,
                "a custom source (EventBridge refuses aws.* sources in PutEvents)",
            )
        self.client, self.bus, self.source, self.rate = client, bus, source, rate
        self.stats = PushStats()
        self._pending: list[dict[str, Any]] = []
        self._next_slot = time.monotonic()

    def push(self, envelopes: list[bytes]) -> None:
        for raw in envelopes:
            self._pending.append(self._entry(orjson.loads(raw)))
            if len(self._pending) == MAX_ENTRIES:
                self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._wait_for(len(batch))
        try:
            response = self.client.put_events(Entries=batch)
        except Exception as err:
            from simulator.aws.clients import aws_error_from

            raise aws_error_from("PutEvents", err) from None
        for result in response.get("Entries", []):
            if result.get("ErrorCode"):
                self.stats.failed += 1
                code = str(result["ErrorCode"])
                self.stats.errors[code] = self.stats.errors.get(code, 0) + 1
            else:
                self.stats.sent += 1

    def _wait_for(self, count: int) -> None:
        now = time.monotonic()
        if self._next_slot > now:
            time.sleep(self._next_slot - now)
        self._next_slot = max(now, self._next_slot) + count / self.rate

    def _entry(self, envelope: Mapping[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "Source": self.source,
            "DetailType": str(envelope.get("detail-type", "")),
            "Detail": orjson.dumps(envelope.get("detail", {})).decode(),
            "Resources": list(envelope.get("resources", [])),
            "EventBusName": self.bus,
        }
        moment = _parse_time(str(envelope.get("time", "")))
        if moment is not None:
            entry["Time"] = moment
        return entry


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def events_client(target: str, *, profile: str | None, region: str | None) -> tuple[Any, str]:
    """A boto3 EventBridge client and bus for ``--push``: ``http(s)://host:port[#bus]`` (e.g.
    the local cloud), or ``aws`` / ``aws:<bus name or ARN>`` (real AWS, profile and region)."""
    from simulator.aws.clients import AwsTarget, make_client

    if target.startswith(("http://", "https://")):
        url, _, bus = target.partition("#")
        aws = AwsTarget(profile=profile, region=region or "us-east-1", endpoint_url=url)
        return make_client(aws.session(), "events", endpoint_url=url), bus or "default"
    if target == "aws" or target.startswith("aws:"):
        aws = AwsTarget(profile=profile, region=region or "us-east-1")
        return make_client(aws.session(), "events"), target.partition(":")[2] or "default"
    raise ConfigError("--push", target, "http://HOST:PORT[#BUS] (local cloud) or aws[:BUS]")
