"""Identifiers and CloudTrail's time formats."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from simulator.events.clock import (
    create_date_text,
    event_time_text,
    parse_create_date,
    parse_event_time,
    version_for,
)
from simulator.events.ids import (
    ACCESS_KEY_RE,
    UNIQUE_ID_RE,
    UUID4_RE,
    decode_account,
    envelope_id_text,
    is_new_format,
    make_id,
    uuid1_text,
    uuid4_text,
)

ACCOUNTS = st.integers(0, 999_999_999_999).map(lambda n: f"{n:012d}")
BITS = st.integers(0, 2**128 - 1)
MOMENTS = st.datetimes(datetime(2015, 1, 1), datetime(2030, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=timezone.utc)
)


@given(account=ACCOUNTS, bits=BITS, prefix=st.sampled_from(["AKIA", "ASIA"]))
def test_events_access_key_ids_decode_to_their_account(
    account: str, bits: int, prefix: str
) -> None:
    key = make_id(prefix, account, bits)
    assert ACCESS_KEY_RE.match(key) and is_new_format(key)
    assert decode_account(key) == account


@given(account=ACCOUNTS, bits=BITS, prefix=st.sampled_from(["AIDA", "AROA", "ACCA"]))
def test_events_unique_ids_have_21_chars(account: str, bits: int, prefix: str) -> None:
    identifier = make_id(prefix, account, bits, 21)
    assert UNIQUE_ID_RE.match(identifier) and decode_account(identifier) == account


def test_events_decode_matches_the_research_examples() -> None:
    assert decode_account("AKIAXF6ONPOMKLMJFHER") == "493817265048"
    assert decode_account("AIDAXF6ONPOMCQ2NYRAJW") == "493817265048"
    assert decode_account("AKIAIOSFODNN7EXAMPLE") is None  # old format: no account
    assert decode_account("AKIA30BEZSJBVKOFKZW0") is None  # not base32


@given(bits=BITS)
def test_events_uuids(bits: int) -> None:
    assert UUID4_RE.match(uuid4_text(bits))
    assert len(envelope_id_text(bits)) == 36
    assert uuid1_text(bits, 1534723200)[14] == "1"


@given(moment=MOMENTS)
def test_events_time_formats_round_trip(moment: datetime) -> None:
    assert parse_event_time(event_time_text(moment)) == moment
    text = create_date_text(moment)
    assert parse_create_date(text) == moment
    assert not text.split(" ")[1].startswith("0")


def test_events_create_date_examples() -> None:
    assert create_date_text(datetime(2020, 1, 8, 20, 43, 6)) == "Jan 8, 2020 8:43:06 PM"
    assert create_date_text(datetime(2024, 8, 1, 0, 5, 9)) == "Aug 1, 2024 12:05:09 AM"
    assert create_date_text(datetime(2024, 8, 1, 12, 0, 0)) == "Aug 1, 2024 12:00:00 PM"


def test_events_versions_by_date() -> None:
    at = lambda y, m: datetime(y, m, 15, tzinfo=timezone.utc)  # noqa: E731
    assert [
        version_for(at(*d))
        for d in ((2018, 8), (2020, 1), (2022, 6), (2024, 7), (2025, 3), (2025, 10))
    ] == ["1.02", "1.05", "1.08", "1.09", "1.10", "1.11"]
