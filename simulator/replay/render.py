"""Reporters for a finished replay: readable text, or one JSON object (``--json``)."""

from __future__ import annotations

from typing import Any

from simulator.replay.report import NearMiss, RuleTally
from simulator.replay.runner import ReplayResult

TOP_TEXT = 5  # rows per breakdown in the text report (--json has them all, up to the cap)


def report_json(result: ReplayResult) -> dict[str, Any]:
    """The whole report as JSON-ready data; each rule has its ``name`` and integer ``matches``."""
    tally, plan = result.tally, result.plan
    document: dict[str, Any] = {
        "inputs": tally.inputs,
        "input_bytes": tally.input_bytes,
        "text_bytes": tally.text_bytes,
        "events": tally.events,
        "parsed_candidates": tally.candidates + tally.outside_window,
        "outside_window": tally.outside_window,
        "window": {"since": plan.since, "until": plan.until},
        "rule_state": plan.rule_state,
        "rule_region": plan.rule_region,
        "seconds": round(result.seconds, 3),
        "jobs": result.jobs,
        "events_per_second": round(tally.events / result.seconds) if result.seconds else None,
        "bad_inputs": tally.bad_inputs,
        "problems_by_kind": dict(sorted(tally.problem_counts.items())),
        "problems": [
            {"source": p.source, "line": p.line, "path": p.path, "kind": p.kind, "detail": p.detail}
            for p in tally.problems
        ],
        "rules": [_rule_json(rule.name, tally.rules[rule.name]) for rule in plan.rules],
    }
    if plan.diff is not None and tally.diff is not None:
        diff = tally.diff
        document["diff"] = {
            "old": plan.diff[0],
            "new": plan.diff[1],
            "both": diff.both,
            "only_old": diff.only_old,
            "only_new": diff.only_new,
            "examples_only_old": [_miss_json(m) for m in diff.examples_old],
            "examples_only_new": [_miss_json(m) for m in diff.examples_new],
        }
    return document


def _rule_json(name: str, rule: RuleTally) -> dict[str, Any]:
    return {
        "name": name,
        "matches": rule.matches,
        "duplicates": rule.duplicates,
        "not_delivered": rule.not_delivered,
        "other_region": rule.other_region,
        "first": rule.first.as_json() if rule.first else None,
        "last": rule.last.as_json() if rule.last else None,
        "by_day": dict(sorted(rule.by_day.as_json().items())),
        "by_caller": rule.by_caller.as_json(),
        "by_user_agent": rule.by_user_agent.as_json(),
        "by_account": rule.by_account.as_json(),
        "near_misses": [_miss_json(m) for m in rule.closest()],
    }


def _miss_json(miss: NearMiss) -> dict[str, Any]:
    return {
        **miss.ref.as_json(),
        "mismatches": [m.as_json() for m in miss.mismatches],
    }


def report_text(result: ReplayResult) -> str:
    tally, plan = result.tally, result.plan
    rate = tally.events / result.seconds if result.seconds else 0.0
    lines = [
        f"Replayed {tally.events:,} events from {tally.inputs:,} inputs "
        f"({tally.input_bytes / 1e6:,.1f} MB) in {result.seconds:.2f} s "
        f"({rate:,.0f} events/s, {result.jobs} job{'s' if result.jobs > 1 else ''})."
    ]
    if plan.since or plan.until:
        lines.append(
            f"Window: {plan.since or '-'} .. {plan.until or '-'} "
            f"({tally.outside_window:,} parsed events outside it)"
        )
    for rule in plan.rules:
        lines.extend(_rule_text(rule.name, tally.rules[rule.name], plan.rule_state))
    if plan.diff is not None and tally.diff is not None:
        lines.extend(
            _diff_text(
                plan.diff,
                tally.diff.both,
                tally.diff.only_old,
                tally.diff.only_new,
                tally.diff.examples_old,
                tally.diff.examples_new,
            )
        )
    lines.extend(_problems_text(result))
    return "\n".join(lines)


def _rule_text(name: str, rule: RuleTally, state: str) -> list[str]:
    lines = ["", f"Rule {name}: {rule.matches:,} match{'es' if rule.matches != 1 else ''}"]
    lines.extend(_delivery_lines(rule, state))
    for word, ref in (("first", rule.first), ("last ", rule.last)):
        if ref is not None:
            lines.append(f"  {word} {ref.time} {ref.event_id} ({ref.source} {ref.position})")
    for title, counter in (
        ("day", rule.by_day),
        ("caller", rule.by_caller),
        ("user agent", rule.by_user_agent),
        ("account", rule.by_account),
    ):
        if counter.counts:
            lines.append(f"  by {title}:")
            lines.extend(f"    {n:>8,}  {key}" for key, n in counter.as_json(TOP_TEXT).items())
    closest = rule.closest()
    if closest:
        lines.append(f"  {len(closest)} closest near misses (failed on one field only):")
        lines.extend(_miss_lines(closest))
    return lines


def _delivery_lines(rule: RuleTally, state: str) -> list[str]:
    lines = []
    if rule.duplicates:
        lines.append(
            f"  ({rule.duplicates:,} repeated records with an eventID already counted; "
            "CloudTrail log files occasionally hold a record twice)"
        )
    if rule.other_region:
        lines.append(
            f"  + {rule.other_region:,} events that match the pattern but come from another "
            "region than the rule's (--rule-region): EventBridge never delivers them to it"
        )
    if rule.not_delivered:
        lines.append(
            f"  + {rule.not_delivered:,} read-only events that match the pattern but that "
            f"EventBridge does not deliver to a rule in state {state} (use "
            "--all-management-events for ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS)"
        )
    return lines


def _miss_lines(misses: list[NearMiss]) -> list[str]:
    lines = []
    for miss in misses:
        ref = miss.ref
        lines.append(
            f"    {ref.time} {ref.event_name} {ref.event_id} ({ref.source} {ref.position})"
        )
        lines.extend(f"      {m.render()}" for m in miss.mismatches)
    return lines


def _diff_text(
    names: tuple[str, str],
    both: int,
    only_old: int,
    only_new: int,
    examples_old: list[NearMiss],
    examples_new: list[NearMiss],
) -> list[str]:
    old, new = names
    lines = [
        "",
        f"Diff {old} -> {new}: both {both:,}, only {old} {only_old:,}, only {new} {only_new:,}",
    ]
    if examples_old:
        lines.append(f"  matched by {old} only (why {new} rejects them):")
        lines.extend(_miss_lines(examples_old))
    if examples_new:
        lines.append(f"  matched by {new} only (why {old} rejects them):")
        lines.extend(_miss_lines(examples_new))
    return lines


def _problems_text(result: ReplayResult) -> list[str]:
    tally = result.tally
    if not tally.bad_inputs:
        return ["", "All inputs read cleanly."]
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(tally.problem_counts.items()))
    lines = ["", f"{tally.bad_inputs:,} bad inputs ({kinds}); they were skipped:"]
    lines.extend(f"  {problem.render()}" for problem in tally.problems)
    if tally.bad_inputs > len(tally.problems):
        lines.append(f"  ... and {tally.bad_inputs - len(tally.problems):,} more (see --json)")
    return lines
