"""Times as CloudTrail writes them, and the eventVersion IAM records carried at each date.

``eventTime`` is ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, no fraction); IAM's ``createDate`` in
responseElements is ``MMM d, yyyy h:mm:ss a`` (``Oct 14, 2025 2:07:31 PM``: no zero padding of
day or hour, 12-hour clock) in the same second (research/cloudtrail-anatomy.md §1.1, rule 11).
Nothing here reads the wall clock: defaults come from seeds.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone

from simulator.errors import ScenarioError

UTC = timezone.utc
EVENT_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CREATE_DATE_RE = re.compile(
    r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12]\d|3[01]), \d{4} "
    r"([1-9]|1[0-2]):[0-5]\d:[0-5]\d (AM|PM)$"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# IAM's eventVersion by date (§3): 1.02 in 2018, 1.05 in 2020, 1.08 2021-2023, 1.09 from Oct 2023
# and through 2024, 1.10 by Feb 2025, 1.11 by Oct 2025.  The switch dates inside a year are
# unpinned; these boundaries keep each version inside the span it was observed in.
VERSION_ERAS: tuple[tuple[str, datetime, datetime], ...] = (
    ("1.02", datetime(2017, 1, 1, tzinfo=UTC), datetime(2019, 1, 1, tzinfo=UTC)),
    ("1.05", datetime(2019, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC)),
    ("1.08", datetime(2021, 1, 1, tzinfo=UTC), datetime(2023, 10, 1, tzinfo=UTC)),
    ("1.09", datetime(2023, 10, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)),
    ("1.10", datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
    ("1.11", datetime(2025, 7, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
)
VERSIONS = tuple(version for version, _, _ in VERSION_ERAS)
# Seeded default times stay where records were observed: 1.11 records are pinned by Oct 2025.
_SEEDED_UNTIL = datetime(2025, 11, 1, tzinfo=UTC)


def version_for(moment: datetime) -> str:
    """The eventVersion an IAM record written at ``moment`` carries."""
    for version, start, end in VERSION_ERAS:
        if start <= moment < end:
            return version
    return VERSION_ERAS[0][0] if moment < VERSION_ERAS[0][1] else VERSION_ERAS[-1][0]


@functools.lru_cache(maxsize=64)
def era_of(version: str) -> tuple[datetime, datetime]:
    """The [start, end) span in which IAM records carried ``version``."""
    for name, start, end in VERSION_ERAS:
        if name == version:
            return start, end
    raise ScenarioError("eventVersion", version, f"is not one of {', '.join(VERSIONS)}")


@functools.lru_cache(maxsize=64)
def seed_window(version: str) -> tuple[datetime, datetime]:
    """Where seeded default times of ``version`` fall: its era, capped at the observed end."""
    start, end = era_of(version)
    return start, min(end, _SEEDED_UNTIL)


def parse_at(at: datetime | str) -> datetime:
    """``at`` as an aware UTC datetime truncated to the second (CloudTrail has no fractions)."""
    if isinstance(at, str):
        text = at.strip()
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            raise ScenarioError(
                "at", at, "is not an ISO 8601 time such as 2025-10-14T14:07:31Z"
            ) from None
    elif isinstance(at, datetime):
        moment = at
    else:
        raise ScenarioError("at", at, "is not a datetime or an ISO 8601 string")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def seeded_time(start: datetime, end: datetime, draw: int) -> datetime:
    """A second inside [start, end) picked by the random integer ``draw``."""
    return start + timedelta(seconds=draw % _span(start, end))


@functools.lru_cache(maxsize=64)
def _span(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds())


def seeded_moment(version: str, draw: int) -> datetime:
    """``seeded_time(*seed_window(version), draw)``, with the window looked up once per version."""
    start, span = _seed_span(version)
    return start + timedelta(seconds=draw % span)


@functools.lru_cache(maxsize=64)
def _seed_span(version: str) -> tuple[datetime, int]:
    start, end = seed_window(version)
    return start, _span(start, end)


def event_time_text(moment: datetime) -> str:
    """``2025-10-14T14:07:31Z`` (``moment`` in UTC; fractions of a second are dropped)."""
    # Hot path: a cached date prefix and a table of two-digit numbers are about three times
    # faster than isoformat() on an aware datetime.
    return (
        f"{_date_prefix(moment.year, moment.month, moment.day)}"
        f"{_TWO_DIGITS[moment.hour]}:{_TWO_DIGITS[moment.minute]}:{_TWO_DIGITS[moment.second]}Z"
    )


@functools.lru_cache(maxsize=4096)
def _date_prefix(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}T"


_TWO_DIGITS = tuple(f"{number:02d}" for number in range(60))


def create_date_text(moment: datetime) -> str:
    """IAM's ``createDate`` text: ``Oct 14, 2025 2:07:31 PM`` (rule 11)."""
    hour = moment.hour
    return (
        f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year} {hour % 12 or 12}:"
        f"{_TWO_DIGITS[moment.minute]}:{_TWO_DIGITS[moment.second]} {'PM' if hour >= 12 else 'AM'}"
    )


def parse_event_time(text: str) -> datetime:
    """Inverse of :func:`event_time_text` (raises ValueError on another format)."""
    if not EVENT_TIME_RE.match(text):
        raise ValueError(f"not a CloudTrail eventTime: {text!r}")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def parse_create_date(text: str) -> datetime:
    """Inverse of :func:`create_date_text` (raises ValueError on another format)."""
    if not CREATE_DATE_RE.match(text):
        raise ValueError(f"not IAM's createDate format: {text!r}")
    return datetime.strptime(text, "%b %d, %Y %I:%M:%S %p").replace(tzinfo=UTC)
