# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk mode: item validation and merging, and per-item retries of a JSON batch (scripted exchanges)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
import responses

from ansible_collections.entra.devices.plugins.module_utils._bulk import parse_items, send_batch
from ansible_collections.entra.devices.plugins.module_utils._device import PROPERTY_SPEC
from ansible_collections.entra.devices.plugins.module_utils._errors import InputError
from ansible_collections.entra.devices.tests.unit.plugins.module_utils.graph_harness import GRAPH, make_client

ID1 = "0f8fad5b-d9cb-469f-a165-70867728950e"
ID2 = "6b1fd0e2-5a8d-4c26-9b7e-3f1c2a9d8e41"


def task_params(**given):
    params = dict((name, None) for name in PROPERTY_SPEC)
    params["purge_extension_attributes"] = False
    params.update(given)
    return params


def test_strings_are_object_ids_and_task_properties_apply():
    items = parse_items(task_params(devices=[ID1], account_enabled=False))
    assert items[0].identifier == ("object_id", ID1) and items[0].desired == {"accountEnabled": False}


def test_item_properties_win_and_extension_keys_merge_case_insensitively():
    items = parse_items(task_params(
        account_enabled=False, extension_attributes={"extensionAttribute1": "task", "extensionAttribute2": "task"},
        devices=[{"device_id": ID2, "account_enabled": True, "extension_attributes": {"EXTENSIONATTRIBUTE1": "item"}}]))
    assert items[0].identifier == ("device_id", ID2)
    assert items[0].desired == {"accountEnabled": True,
                                "extensionAttributes": {"extensionAttribute1": "item", "extensionAttribute2": "task"}}


def test_item_values_are_converted_like_task_options():
    items = parse_items(task_params(devices=[{"object_id": ID1, "account_enabled": "yes", "purge_extension_attributes": "true"}]))
    assert items[0].desired == {"accountEnabled": True} and items[0].purge is True


@pytest.mark.parametrize("item, words", [
    ({"object_id": ID1, "colour": "red"}, "devices[0]: Unsupported parameters"),
    ({"account_enabled": False}, "devices[0]: Identify the device with exactly one"),
    ("not-a-guid", "devices[0]: object_id must be a GUID"),
    (["x"], "devices[0] must be an object id or a dictionary"),
    ({"object_id": ID1, "display_name": ""}, "devices[0]: display_name must be 1 to 256"),
])
def test_bad_items_are_refused_with_their_index(item, words):
    with pytest.raises(InputError) as caught:
        parse_items(task_params(devices=[item]))
    assert words in caught.value.msg


@responses.activate
def test_only_throttled_items_are_sent_again_after_their_own_retry_after():
    responses.post(GRAPH + "/v1.0/$batch", json={"responses": [
        {"id": "1", "status": 204, "headers": {}},
        {"id": "2", "status": 429, "headers": {"Retry-After": "2.5"}, "body": {"error": {"code": "TooManyRequests"}}},
        {"id": "3", "status": 503, "headers": {"retry-after": "1"}},
    ]})
    responses.post(GRAPH + "/v1.0/$batch", json={"responses": [{"id": "3", "status": 204}, {"id": "2", "status": 204}]})
    harness = make_client()
    client, clock = harness.client, harness.clock
    seen = []
    answers = send_batch(client, [{"id": str(n), "method": "PATCH", "url": "/devices/%d" % n, "body": {}} for n in (1, 2, 3)],
                         seen.append)
    assert [sorted(r["id"] for r in json.loads(c.request.body)["requests"]) for c in responses.calls] == [["1", "2", "3"], ["2", "3"]]
    assert clock.waits == [2.5]
    assert dict((k, v[0]) for k, v in answers.items()) == {"1": 204, "2": 204, "3": 204}
    assert len(seen) == 1 and "2 of the batched requests" in seen[0]


@responses.activate
def test_items_still_throttled_after_the_last_retry_keep_their_error():
    responses.post(GRAPH + "/v1.0/$batch", json={"responses": [{"id": "1", "status": 429, "headers": {"Retry-After": "1"}}]})
    harness = make_client(max_retries=2)
    client, clock = harness.client, harness.clock
    answers = send_batch(client, [{"id": "1", "method": "GET", "url": "/devices/1"}], lambda message: None)
    assert len(responses.calls) == 3 and clock.waits == [1.0, 1.0]
    assert answers["1"][0] == 429


@responses.activate
def test_an_item_missing_from_the_answer_is_reported_not_lost():
    responses.post(GRAPH + "/v1.0/$batch", json={"responses": []})
    client = make_client().client
    answers = send_batch(client, [{"id": "1", "method": "GET", "url": "/devices/1"}], lambda message: None)
    assert answers["1"][0] == 502 and answers["1"][2]["error"]["code"] == "BatchItemMissing"
