"""CloudTrail's S3 log files: gzip of ``{"Records": [...]}`` under the documented key layout.

Key (research §6 [FIND][EX]): ``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz``; the date folders and
timestamp are the delivery time, which is at or after every eventTime in the file (rule 39).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson

from simulator.errors import InputError
from simulator.events.clock import parse_at
from simulator.events.ids import alnum_text


def s3_log_file(records: Iterable[Mapping[str, Any]]) -> bytes:
    """The gzip bytes of one log file holding ``records`` (compact JSON, mtime 0: reproducible)."""
    body = orjson.dumps({"Records": list(records)})
    return gzip.compress(body, compresslevel=6, mtime=0)


def read_s3_log_file(data: bytes, name: str = "<log file>") -> list[dict[str, Any]]:
    """The records of a log file (gzip or plain JSON); InputError naming ``name`` otherwise."""
    try:
        raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        document = orjson.loads(raw)
    except (OSError, EOFError, orjson.JSONDecodeError) as err:
        raise InputError(name, f"not a CloudTrail log file: {err}") from None
    if not isinstance(document, dict) or not isinstance(document.get("Records"), list):
        raise InputError(name, 'expected an object {"Records": [...]}', "$.Records")
    records: list[dict[str, Any]] = document["Records"]
    return records


def s3_log_key(
    account: str,
    region: str,
    at: datetime | str,
    seed: int = 0,
    *,
    prefix: str = "",
    organization_id: str | None = None,
) -> str:
    """The S3 object key of a log file delivered at ``at`` (its folders use delivery time)."""
    moment = parse_at(at)
    digest = hashlib.blake2b(
        f"{account}:{region}:{moment.isoformat()}:{seed}".encode(), digest_size=12
    ).digest()
    suffix = alnum_text(int.from_bytes(digest, "big"), 16)
    org = f"{organization_id}/" if organization_id else ""
    head = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    return (
        f"{head}AWSLogs/{org}{account}/CloudTrail/{region}/{moment:%Y/%m/%d}/"
        f"{account}_CloudTrail_{region}_{moment:%Y%m%dT%H%MZ}_{suffix}.json.gz"
    )


_KEY_RE = re.compile(
    r"^(?:.*/)?AWSLogs/(?:o-[a-z0-9]{10,32}/)?(?P<account>\d{12})/CloudTrail/(?P<region>[a-z0-9-]+)/"
    r"(?P<y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)/(?P=account)_CloudTrail_(?P=region)_"
    r"(?P<stamp>\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$"
)


def log_file_problems(key: str, data: bytes) -> list[str]:
    """Where a log file breaks CloudTrail's layout (research §6, rules 39-40); empty when fine."""
    match = _KEY_RE.match(key)
    if match is None:
        return [f"{key}: not AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz"]
    if data[:2] != b"\x1f\x8b":
        return [f"{key}: not gzip"]
    try:
        records = read_s3_log_file(data, key)
    except InputError as err:
        return [str(err)]
    stamp = match["stamp"]
    if (match["y"], match["m"], match["d"]) != (stamp[:4], stamp[4:6], stamp[6:8]):
        return [f"{key}: date folders differ from the delivery time {stamp}"]
    latest = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:59Z"
    problems = []
    for index, record in enumerate(records):
        where = f"{key} at $.Records[{index}]"
        if record.get("recipientAccountId") != match["account"]:
            problems.append(f"{where}: recipientAccountId is not the key's account")
        if record.get("awsRegion") != match["region"]:
            problems.append(f"{where}: awsRegion is not the key's region")
        if str(record.get("eventTime", "")) > latest:
            problems.append(f"{where}: eventTime is after the file's delivery time {stamp}")
    return problems
