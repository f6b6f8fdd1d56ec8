"""Property: whatever JSON a client sends, the local EventBridge answers or raises AWS's error.

Nothing reaches the wire as a 500: every operation returns a reply or raises `EventsApiError`,
and every delivery it queues renders (or fails as a `TransformError`, a failed invocation).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from simulator.local.delivery import delivery_input
from simulator.local.eventbridge import OPERATIONS, Delivery, EventBridgeBackend
from simulator.local.eventbridge_errors import EventsApiError
from simulator.local.eventbridge_model import Scope
from simulator.local.transformer import TransformError

SCOPE = Scope("123456789012", "us-east-1")
MEMBERS = [
    "Name",
    "EventBusName",
    "EventPattern",
    "ScheduleExpression",
    "State",
    "Description",
    "Rule",
    "Targets",
    "Ids",
    "Entries",
    "Event",
    "NamePrefix",
    "Limit",
    "NextToken",
    "Force",
    "Tags",
    "ResourceARN",
    "TagKeys",
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
TARGET = st.fixed_dictionaries(
    {
        "Id": st.sampled_from(["t", "bad id"]),
        "Arn": st.sampled_from(["arn:aws:sqs:us-east-1:1:q", "x"]),
    },
    optional={
        "Input": JSON,
        "InputPath": st.sampled_from(["$.detail", "$.nope", "$", "$.detail.*"]) | JSON,
        "RetryPolicy": st.fixed_dictionaries(
            {},
            optional={
                "MaximumRetryAttempts": st.integers(-1, 200) | JSON,
                "MaximumEventAgeInSeconds": st.integers(0, 90000) | JSON,
            },
        )
        | JSON,
        "DeadLetterConfig": st.fixed_dictionaries({}, optional={"Arn": JSON}) | JSON,
        "InputTransformer": st.fixed_dictionaries(
            {
                "InputTemplate": st.sampled_from(
                    ['{"a": <a>}', '"<a> x"', "<a>", '"<aws.events.event>"']
                )
                | JSON
            },
            optional={
                "InputPathsMap": st.dictionaries(
                    st.sampled_from(["a", "AWS.x"]), JSON | st.just("$.source")
                )
            },
        ),
    },
)
VALUES = {
    "Name": st.sampled_from(["r", "bad name"]) | JSON,
    "Rule": st.just("r") | JSON,
    "EventPattern": st.sampled_from(['{"source":["s"]}', '{"source":[{"prefix":""}]}', "{", "[]"])
    | JSON,
    "Event": st.sampled_from(
        ['{"id":"1","account":"1","source":"s","time":"t","region":"r","detail-type":"d"}']
    )
    | JSON,
    "Targets": st.lists(TARGET | JSON, max_size=7) | JSON,
    "Tags": st.lists(
        st.fixed_dictionaries({"Key": st.just("k") | JSON, "Value": st.just("v") | JSON}) | JSON,
        max_size=2,
    )
    | JSON,
    "ResourceARN": st.sampled_from(
        [
            "arn:aws:events:us-east-1:123456789012:rule/r",
            "arn:aws:events:us-east-1:123456789012:event-bus/default",
            "arn:aws:events:us-east-1:123456789012:rule/b/r",
            "arn:aws:sns:us-east-1:123456789012:t",
        ]
    )
    | JSON,
    "Entries": st.lists(
        st.fixed_dictionaries(
            {
                "Source": st.just("s") | JSON,
                "DetailType": st.just("d") | JSON,
                "Detail": st.sampled_from(['{"k": "v"}', "[]", "{"]) | JSON,
            },
            optional={"Time": JSON, "Resources": JSON, "EventBusName": JSON},
        )
        | JSON,
        max_size=3,
    )
    | JSON,
}


def params() -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(MEMBERS), JSON, max_size=4).flatmap(
        lambda base: st.fixed_dictionaries({k: VALUES.get(k, st.just(v)) for k, v in base.items()})
    )


@given(calls=st.lists(st.tuples(st.sampled_from(sorted(OPERATIONS)), params()), max_size=6))
def test_operations_answer_or_raise_aws_errors(calls):
    delivered: list[Delivery] = []
    backend = EventBridgeBackend(dispatch=delivered.append)
    backend.call("PutRule", SCOPE, {"Name": "r", "EventPattern": '{"source":["s"]}'})
    for operation, request in calls:
        try:
            reply = backend.call(operation, SCOPE, request)
        except EventsApiError as err:
            assert err.code and err.aws_message
        else:
            assert isinstance(reply, dict)
    for delivery in delivered:
        try:
            text = delivery_input(delivery)
        except TransformError:
            continue
        assert isinstance(text, str)
