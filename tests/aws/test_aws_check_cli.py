"""`trailsim check`: exit codes, explanations, --json, --junit-xml, sources, bad input, --remote."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from simulator.aws.check import seed_expectations_path, seed_rule_path
from simulator.cli import main

SEED_RULE = str(seed_rule_path())
TEMPLATE = str(seed_rule_path().with_name("seed-rule.template.yaml"))
BROKEN = {"source": ["aws.iam"], "detail": {"eventName": ["CreateAccessKey", "DeleteAccessKey"]}}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_json(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")
    return str(path)


def test_seed_rule_passes_the_shipped_expectations(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--pattern", SEED_RULE)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].startswith("passed: ")


def test_a_broken_pattern_fails_with_explanations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--pattern", write_json(tmp_path, "broken.json", BROKEN))
    assert code == 1
    assert "FAIL near-miss:delete-access-key" in out
    assert "matched every field of the pattern, but must not match" in out
    assert 'detail.eventName = "DeleteAccessKey" (matched)' in out
    assert out.splitlines()[-1].startswith("FAILED: ")


def test_a_missed_match_is_explained_field_by_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    narrow = {"source": ["aws.iam"], "detail": {"userIdentity": {"type": ["IAMUser"]}}}
    code, out, _ = run(capsys, "--pattern", write_json(tmp_path, "narrow.json", narrow))
    assert code == 1
    assert 'detail.userIdentity.type: expected equals ["IAMUser"], got "Root"' in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "--pattern", write_json(tmp_path, "b.json", BROKEN))
    report = json.loads(out)
    assert code == 1 and report["passed"] is False
    assert report["summary"]["failed"] == len([c for c in report["cases"] if not c["passed"]]) > 0
    assert set(report["cases"][0]) >= {"name", "expect", "local", "remote", "passed", "mismatches"}
    failing = next(c for c in report["cases"] if c["name"] == "near-miss:delete-access-key")
    assert (failing["expect"], failing["local"], failing["remote"]) == ("no_match", "match", None)


def test_junit_xml_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml_path = tmp_path / "report.xml"
    pattern = write_json(tmp_path, "b.json", BROKEN)
    code, _, _ = run(capsys, "--pattern", pattern, "--junit-xml", str(xml_path))
    suite = ET.parse(xml_path).getroot().find("testsuite")
    assert code == 1 and suite is not None
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("tests", "0")) == len(cases) > 0
    assert int(suite.get("failures", "0")) == len(failures) > 0


def test_yaml_template_with_intrinsic_tags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--template", TEMPLATE, "--resource", "AccessKeyCreatedRule")
    assert code == 0
    assert out.startswith("pattern AccessKeyCreatedRule (")
    assert run(capsys, "--template", f"{TEMPLATE}#AccessKeyCreatedRule")[0] == 0


def test_json_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pattern = json.loads(Path(SEED_RULE).read_text(encoding="utf-8"))
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Rule": {"Type": "AWS::Events::Rule", "Properties": {"EventPattern": pattern}},
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "x"}}},
        },
    }
    code, _, _ = run(capsys, "--template", write_json(tmp_path, "stack.json", template))
    assert code == 0


def test_own_expectations_with_fixtures_and_inline_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.events import create_access_key_event, near_miss_event

    fixtures = tmp_path / "fixtures" / "events"
    fixtures.mkdir(parents=True)
    (fixtures / "cli.json").write_text(
        json.dumps({"description": "d", "expect": "match", "event": create_access_key_event()})
    )
    (fixtures / "delete.json").write_text(
        json.dumps(
            {
                "description": "d",
                "expect": "no_match",
                "event": near_miss_event("delete-access-key"),
            }
        )
    )
    expectations = {
        "must_match": [
            "fixtures/events/cli.json",
            {"name": "mine", "event": create_access_key_event(seed=3)},
        ],
        "must_not_match": ["near-miss:create-user"],
        "fixtures": ["fixtures/events"],
    }
    path = write_json(tmp_path, "expect.json", expectations)
    code, out, _ = run(capsys, "--json", "--pattern", SEED_RULE, "--expectations", path)
    assert code == 0
    assert len(json.loads(out)["cases"]) == 5


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--pattern", "{tmp}/absent.json"], "absent.json: no such file"),
        (["--pattern", "{tmp}/bad.json"], "bad.json:2:"),
        (["--pattern", "{tmp}/invalid.json"], "invalid.json:1:14: Event pattern is not valid."),
        (["--template", TEMPLATE + "#AlertTopic"], "AlertTopic is AWS::SNS::Topic"),
        (["--pattern", SEED_RULE, "--expectations", "{tmp}/unknown.json"], "unknown near-miss"),
        (["--pattern", SEED_RULE, "--expectations", "{tmp}/badevent.json"], "is not valid"),
        (["--pattern", SEED_RULE, "--resource", "X"], "--resource='X'"),
        (["--pattern", TEMPLATE], "use --template"),
        ([], "one of the arguments"),
    ],
    ids=[
        "missing-file",
        "bad-json",
        "invalid-pattern",
        "wrong-resource",
        "unknown-near-miss",
        "invalid-event",
        "resource-without-template",
        "template-as-pattern",
        "no-source",
    ],
)
def test_bad_input_is_one_line_exit_2(
    argv: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.json").write_text('{"source": ["aws.iam"],\n "detail": }')
    (tmp_path / "invalid.json").write_text('{"source": []}')
    write_json(tmp_path, "unknown.json", {"must_not_match": ["near-miss:nope"]})
    write_json(tmp_path, "badevent.json", {"must_match": [{"event": {"testEvent": "value"}}]})
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    try:
        code, out, err = run(capsys, *argv)
    except SystemExit as exit_:  # argparse usage errors exit from inside main()
        code, (out, err) = int(exit_.code or 0), capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err, err


def test_remote_verdicts_side_by_side(
    local_cloud: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = ["--remote", "--endpoint-url", local_cloud.endpoint_url]
    code, out, _ = run(capsys, "--json", "--pattern", SEED_RULE, *endpoint)
    report = json.loads(out)
    assert code == 0 and report["remote"].startswith(local_cloud.endpoint_url)
    assert all(case["remote"] == case["local"] for case in report["cases"])
    code, out, _ = run(capsys, "--pattern", write_json(tmp_path, "b.json", BROKEN), *endpoint)
    assert code == 1 and "TestEventPattern: match" in out


def test_live_rule_source_through_the_local_cloud(
    local_cloud: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    pattern_text = Path(SEED_RULE).read_text(encoding="utf-8")
    local_cloud.client("events").put_rule(Name="key-created", EventPattern=pattern_text)
    endpoint = ["--endpoint-url", local_cloud.endpoint_url]
    code, out, _ = run(capsys, "--rule", "key-created", *endpoint)
    assert code == 0 and out.startswith("pattern key-created (rule:default/key-created)")
    code, _, err = run(capsys, "--rule", "absent", *endpoint)
    assert code == 2 and "--rule='absent'" in err


def test_shipped_expectations_cover_every_scenario_and_near_miss() -> None:
    from simulator.aws.check import load_expectations
    from simulator.events import NEAR_MISSES, SCENARIOS

    names = {case.name for case in load_expectations()}  # the default file
    assert names >= {f"scenario:{n}" for n in SCENARIOS} | {f"near-miss:{n}" for n in NEAR_MISSES}
    document = json.loads(seed_expectations_path().read_text(encoding="utf-8"))
    assert document["must_match"][0] == "scenario:*"


def test_yaml_expectations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "expect.yaml"
    path.write_text("must_match: [scenario:root-api]\nmust_not_match: [near-miss:create-user]\n")
    code, out, _ = run(capsys, "--json", "--pattern", SEED_RULE, "--expectations", str(path))
    assert code == 0 and [c["name"] for c in json.loads(out)["cases"]] == [
        "scenario:root-api",
        "near-miss:create-user",
    ]


@pytest.mark.live
def test_remote_against_real_aws(aws_target: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--json", "--pattern", SEED_RULE, "--remote", "--region", aws_target.region
    )
    report = json.loads(out)
    assert code == 0, [c for c in report["cases"] if not c["passed"]]
    assert report["remote"] == f"AWS {aws_target.region}"


def test_seed_rule_passes_the_repository_fixtures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "events"
    if not any(fixtures.glob("*.json")):
        pytest.skip(f"no fixtures in {fixtures}")
    path = write_json(tmp_path, "expect.json", {"fixtures": [str(fixtures)]})
    code, out, _ = run(capsys, "--json", "--pattern", SEED_RULE, "--expectations", path)
    report = json.loads(out)
    assert code == 0, [c for c in report["cases"] if not c["passed"]]
    assert {c["expect"] for c in report["cases"]} == {"match", "no_match"}
