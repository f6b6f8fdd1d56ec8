"""SetQueueAttributes changes only the attributes it names, as on AWS (moto wipes the policy).

Through the wire: boto3's JSON protocol, and the query protocol older SDKs speak.
"""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

import pytest

from simulator.aws.stack import queue_policy
from simulator.local.moto_app import authorization_header


def _queue_with_policy(kit):
    url, arn = kit.queue("kept", policy=False)
    kit.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(queue_policy(arn))})
    return url, arn


def _attributes(kit, url):
    return kit.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_json_protocol_keeps_the_policy_when_setting_other_attributes(kit):
    url, arn = _queue_with_policy(kit)
    kit.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "900"})
    attributes = _attributes(kit, url)
    assert attributes["VisibilityTimeout"] == "900"
    assert json.loads(attributes["Policy"]) == queue_policy(arn)


def test_setting_the_policy_still_replaces_or_clears_it(kit):
    url, arn = _queue_with_policy(kit)
    other = queue_policy(arn) | {"Id": "replaced"}
    kit.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(other)})
    assert json.loads(_attributes(kit, url)["Policy"])["Id"] == "replaced"
    kit.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in _attributes(kit, url)


def test_query_protocol_keeps_the_policy(kit, cloud):
    url, arn = _queue_with_policy(kit)
    form = {
        "Action": "SetQueueAttributes",
        "Version": "2012-11-05",
        "QueueUrl": url,
        "Attribute.1.Name": "DelaySeconds",
        "Attribute.1.Value": "5",
    }
    request = urllib.request.Request(
        cloud.endpoint_url,
        data=urlencode(form).encode(),
        headers={
            "Authorization": authorization_header("testing", "sqs"),
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        },
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as reply:
        assert reply.status == 200
    attributes = _attributes(kit, url)
    assert attributes["DelaySeconds"] == "5"
    assert json.loads(attributes["Policy"]) == queue_policy(arn)


@pytest.mark.parametrize("attributes", [{"VisibilityTimeout": "60"}, {"DelaySeconds": "0"}])
def test_an_sqs_target_still_receives_after_other_attributes_change(kit, cloud, attributes):
    url, arn = _queue_with_policy(kit)
    kit.sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    kit.rule("orders", {"source": ["my.app"]}, arn)
    kit.events.put_events(Entries=[kit.entry()])
    assert len(kit.drain(url, expect=1)) == 1
    assert cloud.dispatcher.failed_invocations == []
