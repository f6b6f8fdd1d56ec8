"""Where recorded CloudTrail comes from: local files and folders, or S3 (``s3://bucket/prefix``).

Inputs are listed first, in a fixed order (sorted paths; S3's key order), each with its size, and
read one at a time later, in whichever process scans it: an S3 object is fetched when its turn
comes, never the whole prefix up front.

CloudTrail's key layout (cloudtrail-anatomy.md §6 [FIND][EX]) is
``[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz``.  The date
folders are the *delivery* day, at or after every eventTime in the file, and delivery comes
about 5 minutes after the call without guarantee [HOW]; so a time window keeps the folders from
the day of ``since`` to the day after ``until``.  Digest folders (``CloudTrail-Digest``) hold
no events and are skipped, as are other logs under ``AWSLogs/<account>/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from simulator.errors import AwsError, ConfigError, InputError

DAY_FOLDER = re.compile(r"/CloudTrail/[^/]+/(\d{4})/(\d\d)/(\d\d)/")
REGION_FOLDER = re.compile(r"(?:^|/)CloudTrail/[^/]+/$")
# AWSLogs/[o-org/]<account>/<kind>/: only CloudTrail's event logs are read; digests, Insights
# and other services' logs (Config, ELB...) that share the bucket are skipped.
ACCOUNT_FOLDER = re.compile(r"(?:^|/)AWSLogs/(?:o-[a-z0-9]+/)?\d{12}/([^/]+)/")
DELIVERY_SLACK = timedelta(days=1)
RELATIVE = re.compile(r"^(\d+)([mhd])$")
# Files a folder walk reads (a file named on the command line is always read).
READ_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """``since <= eventTime < until`` (UTC); either end may be open."""

    since: datetime | None = None
    until: datetime | None = None

    def keeps_day(self, day: date) -> bool:
        """Whether a delivery-day folder can hold events in the window."""
        if self.since is not None and day < self.since.date():
            return False
        if self.until is None:
            return True
        last_event = self.until - timedelta(microseconds=1)  # until is exclusive
        return day <= (last_event + DELIVERY_SLACK).date()

    def days(self) -> Iterator[date]:
        assert self.since is not None and self.until is not None
        day = self.since.date()
        while self.keeps_day(day):
            yield day
            day += timedelta(days=1)

    def bounds(self) -> tuple[str | None, str | None]:
        """The bounds as CloudTrail eventTime text, which sorts like the time."""

        def text(moment: datetime | None) -> str | None:
            return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")

        return text(self.since), text(self.until)


def parse_time(option: str, value: str, now: datetime | None = None) -> datetime:
    """``2024-05-01``, ``2024-05-01T12:00:00Z`` (any ISO 8601 form), or ``90m``/``24h``/``7d`` ago."""
    relative = RELATIVE.match(value.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        delta = {
            "m": timedelta(minutes=amount),
            "h": timedelta(hours=amount),
            "d": timedelta(days=amount),
        }[unit]
        return (now or datetime.now(timezone.utc)) - delta
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            option,
            value,
            "an ISO 8601 date or time (2024-05-01, "
            "2024-05-01T12:00:00Z) or an age like 90m, 24h, 7d",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class S3Access:
    """How a worker process reaches S3: region, endpoint, and frozen credentials (never shown)."""

    region: str | None = None
    endpoint_url: str | None = None
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.token,
        )


def s3_access_from_session(session: Any, endpoint_url: str | None) -> S3Access:
    """Resolve a boto3 session's credentials once, so worker processes need no profile."""
    credentials = session.get_credentials()
    frozen = credentials.get_frozen_credentials() if credentials is not None else None
    return S3Access(
        region=session.region_name,
        endpoint_url=endpoint_url,
        access_key=frozen.access_key if frozen else None,
        secret_key=frozen.secret_key if frozen else None,
        token=frozen.token if frozen else None,
    )


class ReplayInput(Protocol):
    """One file or object to scan; picklable, so that any worker process can read it."""

    @property
    def name(self) -> str: ...
    @property
    def size(self) -> int: ...
    def read(self, cache: dict[str, Any]) -> bytes: ...
    def open(self, cache: dict[str, Any]) -> Any:
        """A binary stream with ``read(n)`` and ``close()``, for inputs too big to read whole."""


@dataclass(frozen=True, slots=True)
class LocalInput:
    path: str
    size: int

    @property
    def name(self) -> str:
        return self.path

    def read(self, cache: dict[str, Any]) -> bytes:
        # Plain open(): a pathlib.Path per read costs ~10 us, as much as scanning a small file.
        with open(self.path, "rb", buffering=0) as handle:
            return handle.read()

    def open(self, cache: dict[str, Any]) -> Any:
        return open(self.path, "rb")  # the caller closes it


@dataclass(frozen=True, slots=True)
class S3Input:
    bucket: str
    key: str
    size: int
    access: S3Access

    @property
    def name(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def read(self, cache: dict[str, Any]) -> bytes:
        body: bytes = self.open(cache).read()
        return body

    def open(self, cache: dict[str, Any]) -> Any:
        """The object's body, streamed: nothing is downloaded before it is read."""
        client = cache.get("s3")
        if client is None:
            client = cache["s3"] = self.access.client()
        return client.get_object(Bucket=self.bucket, Key=self.key)["Body"]


def list_inputs(
    specs: Sequence[str], window: TimeWindow, access: S3Access | None
) -> list[ReplayInput]:
    """Every input named by ``specs``, in order; a missing path or bucket is an InputError."""
    found: list[ReplayInput] = []
    for spec in specs:
        if spec.startswith("s3://"):
            if access is None:
                raise ConfigError("SOURCE", spec, "S3 access (internal: no session)")
            found.extend(list_s3(spec, window, access))
        else:
            found.extend(list_local(spec, window))
    return found


def list_local(spec: str, window: TimeWindow) -> Iterator[LocalInput]:
    path = Path(spec)
    if path.is_file():
        yield LocalInput(str(path), path.stat().st_size)
        return
    if not path.is_dir():
        raise InputError(spec, "no such file or directory")
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(READ_SUFFIXES):
                continue
            full = Path(root) / name
            if _day_kept(full.as_posix(), window) and is_trail_key(full.as_posix()):
                yield LocalInput(str(full), full.stat().st_size)


def is_trail_key(key: str) -> bool:
    """False for objects under AWSLogs/<account>/ that are not CloudTrail event logs."""
    kind = ACCOUNT_FOLDER.search("/" + key)
    return kind is None or kind.group(1) == "CloudTrail"


def _day_kept(key: str, window: TimeWindow) -> bool:
    if window.since is None and window.until is None:
        return True
    folder = DAY_FOLDER.search("/" + key)
    if folder is None:
        return True
    day = date(int(folder.group(1)), int(folder.group(2)), int(folder.group(3)))
    return window.keeps_day(day)


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise InputError(uri, "expected s3://bucket[/prefix]")
    return bucket, prefix


def list_s3(
    uri: str, window: TimeWindow, access: S3Access, client: Any = None
) -> Iterator[S3Input]:
    """Objects under the prefix; with a full window, only the day folders it can touch."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = split_s3_uri(uri)
    client = client or access.client()
    try:
        if prefix and not prefix.endswith("/") and _is_folder(client, bucket, prefix + "/"):
            prefix += "/"  # s3://bucket/AWSLogs means the folder, so its days can be skipped
        for key, size in _walk(client, bucket, prefix, window):
            yield S3Input(bucket, key, size, access)
    except ClientError as err:
        error = err.response.get("Error", {})
        raise AwsError(
            "ListObjectsV2", str(error.get("Code", "?")), f"{uri}: {error.get('Message', err)}"
        ) from None
    except BotoCoreError as err:
        raise AwsError("ListObjectsV2", type(err).__name__, f"{uri}: {err}") from None


def _is_folder(client: Any, bucket: str, prefix: str) -> bool:
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    return int(listed.get("KeyCount", 0)) > 0


def _walk(client: Any, bucket: str, prefix: str, window: TimeWindow) -> Iterator[tuple[str, int]]:
    dated = window.since is not None and window.until is not None
    if not dated or DAY_FOLDER.search("/" + prefix):
        yield from _list(client, bucket, prefix, window)
        return
    if REGION_FOLDER.search(prefix):
        for day in window.days():
            yield from _list(client, bucket, f"{prefix}{day:%Y/%m/%d}/", window)
        return
    if prefix and not prefix.endswith("/"):
        yield from _list(client, bucket, prefix, window)  # a key prefix, not a folder
        return
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, Delimiter="/"
    )
    for page in pages:
        for item in page.get("Contents", []):
            if _kept(item["Key"], window):
                yield item["Key"], int(item["Size"])
        for common in page.get("CommonPrefixes", []):
            folder = common["Prefix"]
            if is_trail_key(folder):
                yield from _walk(client, bucket, folder, window)


def _list(client: Any, bucket: str, prefix: str, window: TimeWindow) -> Iterator[tuple[str, int]]:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if _kept(item["Key"], window):
                yield item["Key"], int(item["Size"])


def _kept(key: str, window: TimeWindow) -> bool:
    return key.lower().endswith(READ_SUFFIXES) and is_trail_key(key) and _day_kept(key, window)
