"""EventBridge's TestEventPattern API through boto3: AWS's own verdict, or the local cloud's.

The same call works against real AWS and the local cloud; only ``endpoint_url`` differs.
AWS's answers map onto trailsim's errors:

- ``InvalidEventPatternException`` -> ``PatternError`` (reason, line and column parsed from
  AWS's message, which ends in Jackson's ``at [Source: ...; line: L, column: C]``,
  conformance/semantics.md §3.1);
- ``ValidationException`` (``Parameter Event is not valid.``, §3.5) -> ``InvalidEventError``;
- anything else -> ``AwsError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from simulator.aws.clients import aws_error_from, cached_client
from simulator.errors import AwsError, InvalidEventError, PatternError

OPERATION = "TestEventPattern"
_REASON_PREFIX = "Event pattern is not valid. Reason: "
_LOCATION = re.compile(r"line: (\d+), column: (\d+)\]")

PatternText = str | bytes | Mapping[str, Any]
EventText = str | bytes | Mapping[str, Any] | list[Any]


def as_wire_text(value: Any) -> str:
    """The text sent to AWS: verbatim for text, ``json.dumps`` (default separators) otherwise.

    AWS's error columns count characters of the text it received, so a Mapping is sent as
    Python's default ``json.dumps`` output, as the recorded cases were (conformance/README.md).
    """
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, str):
        return value
    return json.dumps(value)


def test_event_pattern(
    pattern: PatternText,
    event: EventText,
    *,
    session: Any,
    endpoint_url: str | None = None,
) -> bool:
    """Ask EventBridge's TestEventPattern whether `event` matches `pattern`.

    `session` is a boto3 Session (real AWS, or ``LocalCloud.session()`` with `endpoint_url`).
    Raises PatternError, InvalidEventError or AwsError as AWS answers.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    client = cached_client(session, "events", endpoint_url=endpoint_url)
    try:
        answer = client.test_event_pattern(
            EventPattern=as_wire_text(pattern), Event=as_wire_text(event)
        )
    except client.exceptions.InvalidEventPatternException as err:
        raise pattern_error_from_message(_message(err)) from err
    except ClientError as err:
        # The events model declares no ValidationException shape, so botocore raises a plain
        # ClientError for it; the error *code* (not the message) identifies it.
        if err.response.get("Error", {}).get("Code") == "ValidationException":
            raise InvalidEventError(_message(err)) from err
        raise aws_error_from(OPERATION, err) from err
    except BotoCoreError as err:  # no route, no credentials, bad endpoint...
        raise aws_error_from(OPERATION, err) from err
    return _result(answer)


# pytest would otherwise collect this library function as a test wherever it is imported.
test_event_pattern.__test__ = False  # type: ignore[attr-defined]


def pattern_error_from_message(message: str) -> PatternError:
    """A PatternError from AWS's InvalidEventPatternException message.

    ``Event pattern is not valid. Reason: <reason>`` is the first line; Jackson's location line,
    when present, gives line and column (absent for CIDR and complexity errors, §3.1).
    """
    first_line, _, rest = message.partition("\n")
    reason = first_line.removeprefix(_REASON_PREFIX)
    location = _LOCATION.search(rest)
    if location is None:
        return PatternError(reason)
    return PatternError(reason, line=int(location.group(1)), column=int(location.group(2)))


def _message(err: Any) -> str:
    return str(err.response.get("Error", {}).get("Message", ""))


def _result(answer: Mapping[str, Any]) -> bool:
    result = answer.get("Result")
    if not isinstance(result, bool):
        # moto's stub answers {} (research/delivery-path.md §5.1): never read that as a verdict.
        raise AwsError(OPERATION, "NoResult", f"the answer has no boolean Result: {answer!r}")
    return result
