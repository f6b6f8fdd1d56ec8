"""trailsim's pytest plugin (the ``pytest11`` entry point): fixtures only.

Heavy imports (moto, boto3, werkzeug) wait until a fixture runs, because this module loads in
every pytest run wherever trailsim is installed.

Fixtures:
  local_cloud_server  one LocalCloud (127.0.0.1, ephemeral port) for the whole run
  local_cloud         that cloud, reset before each test and checked after it
  trailsim_region     the region tests use (us-east-1; override the fixture to change it)
  aws_target          where AWS calls go: the local cloud; real AWS for tests marked live
  aws_session         a boto3 Session for aws_target
  aws_client          factory: aws_client("iam") is a client on aws_target's endpoint
  event_pattern       factory: event_pattern("template.yaml#MyRule") is a CompiledPattern
  assert_matches      assert_matches(pattern, event); fails with explain()'s reasons
  assert_no_match     assert_no_match(pattern, event)

Tests marked ``live`` run only with ``--trailsim-live`` and AWS credentials; otherwise they are
skipped with the reason, never passed.  Only they reach real AWS; every other test gets the local
cloud, with or without the option.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from simulator.aws.clients import AwsTarget
    from simulator.local import LocalCloud

LIVE_OPTION = "--trailsim-live"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("trailsim")
    group.addoption(
        LIVE_OPTION,
        action="store_true",
        default=False,
        help="run tests marked 'live' (their aws_* fixtures reach real AWS; needs credentials)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "live: talks to real AWS and Slack; needs credentials and --trailsim-live"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    live = [item for item in items if item.get_closest_marker("live") is not None]
    reason = _live_unavailable(config) if live else None
    if reason:
        for item in live:
            item.add_marker(pytest.mark.skip(reason=reason))


def _live_unavailable(config: pytest.Config) -> str | None:
    """Why live tests cannot run here, or None when they can (checked once per run)."""
    if not config.getoption("trailsim_live"):
        return f"live test: pass {LIVE_OPTION} (and have AWS credentials) to run it"
    if _LIVE_KEY not in config.stash:
        import boto3

        from simulator.aws.clients import has_credentials

        found = has_credentials(boto3.Session())
        config.stash[_LIVE_KEY] = "" if found else f"{LIVE_OPTION} given, but no AWS credentials"
    return config.stash[_LIVE_KEY] or None


_LIVE_KEY = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def local_cloud_server() -> Iterator[LocalCloud]:
    """One local cloud for the run: 127.0.0.1, an ephemeral port, stopped at the end."""
    from simulator.local import LocalCloud

    with LocalCloud() as cloud:
        yield cloud


@pytest.fixture
def local_cloud(local_cloud_server: LocalCloud) -> Iterator[LocalCloud]:
    """The run's local cloud, reset before the test; server-thread errors re-raised after it."""
    local_cloud_server.reset()
    yield local_cloud_server
    local_cloud_server.check()


@pytest.fixture
def trailsim_region() -> str:
    """The region trailsim's fixtures use; override this fixture to change it."""
    return "us-east-1"


@pytest.fixture
def aws_target(request: pytest.FixtureRequest, trailsim_region: str) -> AwsTarget:
    """Real AWS for tests marked ``live`` (run only with --trailsim-live and credentials);
    the local cloud for every other test, so the option never redirects unmarked tests."""
    from simulator.aws.clients import AwsTarget

    if request.node.get_closest_marker("live") is not None:
        reason = _live_unavailable(request.config)
        if reason:  # collection skipped the test already; kept for markers added later
            pytest.skip(reason)
        return AwsTarget(region=trailsim_region)
    cloud: LocalCloud = request.getfixturevalue("local_cloud")
    return AwsTarget(region=trailsim_region, endpoint_url=cloud.endpoint_url)


@pytest.fixture
def aws_session(aws_target: AwsTarget, request: pytest.FixtureRequest) -> Any:
    """A boto3 Session for aws_target (pass aws_target.endpoint_url to its clients)."""
    if aws_target.is_local:
        cloud: LocalCloud = request.getfixturevalue("local_cloud")
        return cloud.session(aws_target.region)
    return aws_target.session()


@pytest.fixture
def aws_client(aws_target: AwsTarget, aws_session: Any) -> Callable[[str], Any]:
    """Factory: ``aws_client("events")`` is a boto3 client on aws_target's endpoint."""
    return lambda service: aws_target.client(service, session=aws_session)


@pytest.fixture
def event_pattern(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """Factory: a CompiledPattern from a pattern file, ``template.yaml#LogicalId``,
    ``rule:NAME`` (a deployed rule, read through aws_target) or a pattern dict.

    Relative paths are looked up next to the test file first, then from the working directory.
    """
    from simulator.aws.check import compile_source
    from simulator.aws.rule_sources import LIVE_PREFIX, load_rule
    from simulator.patterns import compile_pattern

    def compile_from(spec: Any) -> Any:
        if not isinstance(spec, (str, Path)):
            return compile_pattern(spec)
        if str(spec).startswith(LIVE_PREFIX):
            target: AwsTarget = request.getfixturevalue("aws_target")
            session = request.getfixturevalue("aws_session")
            return compile_source(
                load_rule(spec, session=session, endpoint_url=target.endpoint_url)
            )
        file, hash_, resource = str(spec).partition("#")
        beside = Path(request.path).parent / file
        return compile_source(load_rule(f"{beside}{hash_}{resource}" if beside.exists() else spec))

    return compile_from


@pytest.fixture
def assert_matches() -> Callable[[Any, Any], None]:
    """``assert_matches(pattern, event)``: fails with explain()'s field-by-field reasons."""
    from simulator.aws.check import assert_matches as check_matches

    return check_matches


@pytest.fixture
def assert_no_match() -> Callable[[Any, Any], None]:
    """``assert_no_match(pattern, event)``: fails if the pattern matches the event."""
    from simulator.aws.check import assert_no_match as check_no_match

    return check_no_match
