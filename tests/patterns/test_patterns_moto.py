"""Differential test against moto's EventBridge matcher (moto.events.models.EventPattern, 5.x).

Where moto differs from AWS we follow AWS (semantics.md §6, delivery-path.md §5 item 10); each
such case is named in MOTO_DEVIATIONS with the reason.  The test is strict both ways: a case
listed there must still differ, so the list stays true when moto changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.errors import PatternError
from simulator.patterns import compile_pattern

moto_models = pytest.importorskip("moto.events.models")

ROOT = Path(__file__).resolve().parents[2]
SHARED_CASES = ROOT.parent / "shared" / "conformance" / "aws-recorded.jsonl"

NO_VALIDATION = "moto does not validate this pattern (semantics.md §6: 36 of 42 invalid accepted)"
CRASHES = "moto accepts this invalid pattern, then raises TypeError/AttributeError when matching"
ARRAYS_OF_OBJECTS = "moto does not look inside arrays of objects or join dotted keys (§1.2, §1.3)"
EMPTY_ARRAY = "moto treats an empty array as present (AWS: exists_list_empty_NEG; §1.5)"
IP_PARSING = "moto's cidr uses Python ipaddress: host bits, leading zeros, IP literals (§5.9)"
DUPLICATE_KEYS = "moto never joins the dotted key a.b with nested a -> b (§1.7)"
CASE_FOLDING = "moto folds with str.lower(); EventBridge folds per UTF-16 unit (§2.4)"
NUMBER_IN_CIDR = "moto never tests numbers against cidr; event-ruler walks their text (§5.9)"
BOOLEANS_AS_NUMBERS = "moto lets true pass a numeric test (Python bool is an int; §2.7)"

MOTO_DEVIATIONS: dict[str, str] = {
    "cidr-number-text:match:300": NUMBER_IN_CIDR,
    "cidr-number-text:match:1.5": NUMBER_IN_CIDR,
    "array-consistency-scalars:match:scalar-beside-object": ARRAYS_OF_OBJECTS,
    "content_anything_but_ignorecase_EXC": CRASHES,
    "content_anything_but_ignorecase_list_EXC": CRASHES,
    "content_anything_but_string_list_null_type_EXC": NO_VALIDATION,
    "content_anything_but_string_null_type_EXC": NO_VALIDATION,
    "content_anything_prefix_empty_EXC": NO_VALIDATION,
    "content_anything_prefix_ignorecase_EXC": NO_VALIDATION,
    "content_anything_prefix_int_EXC": CRASHES,
    "content_anything_prefix_list_type_EXC": CRASHES,
    "content_anything_suffix_empty_EXC": NO_VALIDATION,
    "content_anything_suffix_ignorecase_EXC": NO_VALIDATION,
    "content_anything_suffix_int_EXC": CRASHES,
    "content_anything_suffix_list_null_type_EXC": CRASHES,
    "content_anything_suffix_list_type_EXC": CRASHES,
    "content_anything_wildcard_list_type_EXC": CRASHES,
    "content_anything_wildcard_type_EXC": CRASHES,
    "content_ignorecase_EXC": NO_VALIDATION,
    "content_ignorecase_list_EXC": CRASHES,
    "content_ip_address_EXC": NO_VALIDATION,
    "content_ip_address_bad_ip_EXC": NO_VALIDATION,
    "content_ip_address_bad_mask_EXC": NO_VALIDATION,
    "content_ip_address_type_EXC": NO_VALIDATION,
    "content_ip_address_v6_bad_ip_EXC": NO_VALIDATION,
    "content_numeric_EXC": NO_VALIDATION,
    "content_numeric_number_EXC": CRASHES,
    "content_numeric_operatorcasing_EXC": NO_VALIDATION,
    "content_numeric_syntax_EXC": NO_VALIDATION,
    "content_prefix_int_EXC": CRASHES,
    "content_prefix_list_EXC": NO_VALIDATION,
    "content_suffix_int_EXC": CRASHES,
    "content_suffix_list_EXC": NO_VALIDATION,
    "content_wildcard_complex_EXC": NO_VALIDATION,
    "content_wildcard_int_EXC": CRASHES,
    "content_wildcard_list_EXC": NO_VALIDATION,
    "content_wildcard_repeating_star_EXC": NO_VALIDATION,
    "exists_list_empty_NEG": EMPTY_ARRAY,
    "list_within_dict": ARRAYS_OF_OBJECTS,
    "operator_case_sensitive_EXC": NO_VALIDATION,
    'test_invalid_json_event_pattern[["not", "a", "dict", "but valid json"]]': CRASHES,
    "test_event_with_large_and_complex_payload:complex-event-complex-pattern": ARRAYS_OF_OBJECTS,
    "array-consistency-exists-false:match:a-nowhere": ARRAYS_OF_OBJECTS,
    "array-consistency:match:same-element": ARRAYS_OF_OBJECTS,
    "array-consistency:match:scalar-array-inside-element": ARRAYS_OF_OBJECTS,
    "cidr:match:in-range": IP_PARSING,
    "cidr:match:leading-zeros-and-v4-in-v6": IP_PARSING,
    "dot-joining:match:dotted-with-array": ARRAYS_OF_OBJECTS,
    "duplicate-keys:match:eu": DUPLICATE_KEYS,
    "ignore-case-unicode:match:sharp-s-upper": CASE_FOLDING,
    "ip-literal-exact:match:expanded-form": IP_PARSING,
    "numeric-ranges:no_match:boolean": BOOLEANS_AS_NUMBERS,
    "seed-variants-operators:match:ip-leading-zeros": IP_PARSING,
    "seed-variants-success-only:match:errorCode-empty-array-is-absent": EMPTY_ARRAY,
}


def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    if SHARED_CASES.exists():
        for line in SHARED_CASES.read_text().splitlines():
            case = json.loads(line)
            if case["expected"] != "invalid_event":
                pattern = case["pattern"] if case["pattern_raw"] else json.dumps(case["pattern"])
                event = json.loads(case["event"]) if case.get("event_raw") else case["event"]
                cases.append({"name": case["name"], "pattern": pattern, "event": event})
    for path in sorted((ROOT / "fixtures" / "patterns").glob("*.json")):
        document = json.loads(path.read_text())
        pattern = document.get("pattern_text") or json.dumps(document.get("pattern"))
        for verdict in ("match", "no_match"):
            for entry in document.get(verdict, []):
                name = f"{path.stem}:{verdict}:{entry['name']}"
                cases.append({"name": name, "pattern": pattern, "event": entry["event"]})
    return cases


CASES = _cases()


def _ours(pattern: str, event: Any) -> str:
    try:
        compiled = compile_pattern(pattern)
    except PatternError:
        return "invalid_pattern"
    return "match" if compiled.matches(event) else "no_match"


def _moto(pattern: str, event: Any) -> str:
    try:
        loaded = moto_models.EventPattern.load(pattern)
    except Exception as error:  # moto raises its InvalidEventPatternException (or worse)
        return "invalid_pattern" if "InvalidEventPattern" in type(error).__name__ else "error"
    try:
        return "match" if loaded.matches_event(event) else "no_match"
    except Exception:
        return "error"


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_moto_agrees_unless_documented(case: dict[str, Any]) -> None:
    ours, moto = _ours(case["pattern"], case["event"]), _moto(case["pattern"], case["event"])
    if case["name"] in MOTO_DEVIATIONS:
        assert moto != ours, f"moto now agrees; drop it from MOTO_DEVIATIONS: {case['name']}"
    else:
        assert moto == ours


@pytest.mark.skipif(not SHARED_CASES.exists(), reason="../shared/conformance is absent")
def test_deviations_name_real_cases() -> None:
    names = {case["name"] for case in CASES}
    assert set(MOTO_DEVIATIONS) <= names
