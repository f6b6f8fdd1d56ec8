"""The package's public face: __all__, errors, the CLI's entry points."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import simulator
from simulator import errors


def test_all_names_resolve() -> None:
    for name in simulator.__all__:
        assert getattr(simulator, name) is not None, name


def test_all_is_sorted_and_unique() -> None:
    assert sorted(set(simulator.__all__)) == simulator.__all__


def test_every_error_is_a_simulator_error_with_a_docstring() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.SimulatorError)
        assert cls.__doc__ and cls.__doc__.strip()


@pytest.mark.parametrize(
    "err",
    [
        errors.PatternError("Empty arrays are not allowed", "$.resources", 1, 17),
        errors.InputError("events.jsonl:3", "invalid JSON", "$.detail"),
        errors.ConfigError("--count", "-1", "a whole number >= 1"),
        errors.SlackError("chat.postMessage", "C123", "not_in_channel"),
        errors.EventValidationError("envelope", ["$.detail: required"]),
        errors.ScenarioError("scenario", "rot", "is not a scenario; run 'trailsim scenarios'"),
        errors.AwsError("PutRule", "InvalidEventPatternException", "bad"),
        errors.CleanupError("iam user trailsim-probe-1", "AccessDenied"),
        errors.InvalidEventError("Parameter Event is not valid."),
        errors.LocalCloudError("port in use"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_pickle_with_their_fields(err: errors.SimulatorError) -> None:
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is type(err)
    assert str(clone) == str(err)
    assert vars(clone) == vars(err)


def test_pattern_error_reads_like_aws() -> None:
    err = errors.PatternError("Empty arrays are not allowed", "$.resources")
    assert str(err) == "Event pattern is not valid. Reason: Empty arrays are not allowed"


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "--help"], capture_output=True, text=True, check=True
    )
    assert "trailsim" in out.stdout


def test_unknown_command_is_one_line_and_exit_2() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "no-such-command"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
