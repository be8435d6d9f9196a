# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request funnel, with scripted HTTP exchanges: each test states the requests that go over the wire, in order."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import calendar
import json

import pytest
import requests
import responses

from ansible_collections.entra.devices.plugins.module_utils._errors import GraphError, TransportError
from ansible_collections.entra.devices.plugins.module_utils._graph import GraphClient, device_path, parse_retry_after
from ansible_collections.entra.devices.tests.unit.plugins.module_utils.graph_harness import GRAPH, make_client

DEVICE = GRAPH + "/v1.0/devices/0f8fad5b-d9cb-469f-a165-70867728950e"


def error_body(code, message="m", request_id="rid-1"):
    return {"error": {"code": code, "message": message,
                      "innerError": {"date": "2026-12-03T10:00:00", "request-id": request_id, "client-request-id": "c"}}}


@pytest.mark.parametrize("header, seconds", [("2", 2.0), ("1.5", 1.5), ("2.128", 2.128), ("-3", 0.0), ("soon", None)])
def test_parse_retry_after_seconds(header, seconds):
    assert parse_retry_after(header) == seconds


def test_parse_retry_after_http_date():
    ten_oclock = calendar.timegm((2026, 12, 3, 10, 0, 0))
    assert parse_retry_after("Thu, 03 Dec 2026 10:00:30 GMT", now=ten_oclock) == pytest.approx(30.0)


def test_device_paths():
    assert device_path(object_id="0f8fad5b-d9cb-469f-a165-70867728950e") == "/devices/0f8fad5b-d9cb-469f-a165-70867728950e"
    assert device_path(device_id="6b1fd0e2-5a8d-4c26-9b7e-3f1c2a9d8e41") == \
        "/devices(deviceId='6b1fd0e2-5a8d-4c26-9b7e-3f1c2a9d8e41')"


@responses.activate
def test_get_sends_one_request_with_bearer_and_client_request_id():
    responses.get(DEVICE, json={"id": "x"})
    harness = make_client()
    client, clock, tokens = harness.client, harness.clock, harness.tokens
    assert client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e", params={"$select": "id"}) == {"id": "x"}
    assert len(responses.calls) == 1
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "Bearer token-1"
    assert sent.headers["client-request-id"]
    assert "%24select=id" in sent.url
    assert clock.waits == []


@responses.activate
def test_patch_sends_json_and_accepts_204():
    responses.patch(DEVICE, status=204)
    harness = make_client()
    client = harness.client
    assert client.call("PATCH", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e", body={"accountEnabled": False}) is None
    assert [(c.request.method, json.loads(c.request.body)) for c in responses.calls] == [("PATCH", {"accountEnabled": False})]
    assert responses.calls[0].request.headers["Content-Type"] == "application/json"


@responses.activate
def test_429_honours_fractional_retry_after_then_succeeds():
    responses.patch(DEVICE, status=429, headers={"Retry-After": "1.5"}, json=error_body("TooManyRequests"))
    responses.patch(DEVICE, status=204)
    seen = []
    harness = make_client(retries_seen=seen)
    client, clock = harness.client, harness.clock
    client.call("PATCH", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e", body={"accountEnabled": False})
    assert [c.request.method for c in responses.calls] == ["PATCH", "PATCH"]
    assert clock.waits == [1.5]
    assert len(seen) == 1 and "HTTP 429" in seen[0] and "Retry-After" in seen[0]


@responses.activate
def test_503_backs_off_exponentially_without_retry_after():
    for dummy in range(3):
        responses.get(DEVICE, status=503)
    responses.get(DEVICE, json={"id": "x"})
    harness = make_client(max_retries=3)
    client, clock = harness.client, harness.clock
    assert client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e") == {"id": "x"}
    assert len(responses.calls) == 4
    assert clock.waits == [1.0, 2.0, 4.0]


@responses.activate
def test_retries_stop_at_max_retries_and_report_the_graph_error():
    responses.get(DEVICE, status=429, headers={"Retry-After": "1"}, json=error_body("TooManyRequests", request_id="r-429"))
    harness = make_client(max_retries=2)
    client, clock = harness.client, harness.clock
    with pytest.raises(GraphError) as caught:
        client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e")
    assert len(responses.calls) == 3
    assert clock.waits == [1.0, 1.0]
    assert caught.value.code == "TooManyRequests" and caught.value.request_id == "r-429" and caught.value.status == 429


@responses.activate
def test_total_wait_is_capped():
    responses.get(DEVICE, status=503, headers={"Retry-After": "40"})
    harness = make_client(max_retries=10, max_total=100)
    client, clock = harness.client, harness.clock
    with pytest.raises(GraphError):
        client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e")
    assert clock.waits == [40.0, 40.0]
    assert len(responses.calls) == 3


@responses.activate
def test_a_retry_after_longer_than_max_wait_is_not_retried_early():
    responses.get(DEVICE, status=429, headers={"Retry-After": "500"}, json=error_body("TooManyRequests"))
    harness = make_client(max_wait=7)
    with pytest.raises(GraphError) as caught:
        harness.client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e")
    assert len(responses.calls) == 1 and harness.clock.waits == []
    assert caught.value.retry_after == 500.0


@responses.activate
def test_tls_failures_are_not_retried():
    responses.get(DEVICE, body=requests.exceptions.SSLError("certificate verify failed"))
    harness = make_client()
    with pytest.raises(TransportError, match="TLS verification failed"):
        harness.client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e")
    assert len(responses.calls) == 1 and harness.clock.waits == []


@responses.activate
def test_a_body_cut_short_is_retried():
    responses.get(DEVICE, body=requests.exceptions.ChunkedEncodingError("cut"))
    responses.get(DEVICE, json={"id": "x"})
    harness = make_client()
    assert harness.client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e") == {"id": "x"}
    assert len(responses.calls) == 2


@responses.activate
def test_connection_errors_are_retried_then_reported_without_details_of_the_request():
    responses.get(DEVICE, body=requests.ConnectionError("boom"))
    harness = make_client(max_retries=2)
    client = harness.client
    with pytest.raises(TransportError) as caught:
        client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e")
    assert len(responses.calls) == 3
    assert "after 3 attempt(s)" in caught.value.msg and "token" not in caught.value.msg


@responses.activate
def test_delete_that_finds_nothing_on_retry_succeeded_the_first_time():
    # The first DELETE went through but its answer was lost (503 from a gateway); the retry finds nothing.
    responses.delete(DEVICE, status=503)
    responses.delete(DEVICE, status=404, json=error_body("Request_ResourceNotFound"))
    client = make_client().client
    assert client.call("DELETE", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e", ok_missing=True) is None
    assert [c.request.method for c in responses.calls] == ["DELETE", "DELETE"]


@responses.activate
def test_404_is_an_error_unless_the_caller_expects_it():
    responses.delete(DEVICE, status=404, json=error_body("Request_ResourceNotFound"))
    client = make_client().client
    with pytest.raises(GraphError, match="Request_ResourceNotFound"):
        client.call("DELETE", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e")


@responses.activate
def test_paging_keeps_a_proxy_path_prefix():
    proxy = "https://proxy.example.test/graph"
    responses.get(proxy + "/v1.0/devices", json={"value": [1], "@odata.nextLink": "https://graph.microsoft.com/v1.0/devices?$skiptoken=x"},
                  match=[responses.matchers.query_param_matcher({})])
    responses.get(proxy + "/v1.0/devices", json={"value": [2]}, match=[responses.matchers.query_param_matcher({"$skiptoken": "x"})])
    harness = make_client()
    client = GraphClient(harness.client.transport, proxy, harness.tokens)
    assert list(client.pages("/devices")) == [[1], [2]]


@responses.activate
def test_401_gets_one_fresh_token_and_one_retry():
    responses.get(DEVICE, status=401, json=error_body("InvalidAuthenticationToken"))
    responses.get(DEVICE, json={"id": "x"})
    harness = make_client()
    client, tokens = harness.client, harness.tokens
    assert client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e") == {"id": "x"}
    assert tokens.issued == [False, True]
    assert [c.request.headers["Authorization"] for c in responses.calls] == ["Bearer token-1", "Bearer token-2"]


@responses.activate
def test_a_second_401_is_reported():
    responses.get(DEVICE, status=401, json=error_body("InvalidAuthenticationToken", request_id="r-401"))
    harness = make_client()
    client, tokens = harness.client, harness.tokens
    with pytest.raises(GraphError) as caught:
        client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e")
    assert len(responses.calls) == 2 and tokens.issued == [False, True]
    assert caught.value.request_id == "r-401"


@responses.activate
def test_error_message_carries_code_message_and_request_id():
    responses.patch(DEVICE, status=403, json=error_body("Authorization_RequestDenied", "Insufficient privileges.", "r-403"))
    harness = make_client()
    client = harness.client
    with pytest.raises(GraphError) as caught:
        client.call("PATCH", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e", body={"isCompliant": True})
    message = caught.value.msg
    assert "Authorization_RequestDenied" in message and "Insufficient privileges." in message and "r-403" in message
    assert caught.value.details["request_id"] == "r-403" and caught.value.details["error_code"] == "Authorization_RequestDenied"


@responses.activate
def test_paging_follows_next_link_on_our_endpoint_and_resends_headers():
    first_page = {"value": [{"id": "a"}], "@odata.nextLink": "https://graph.microsoft.com/v1.0/devices?$skiptoken=abc"}
    responses.get(GRAPH + "/v1.0/devices", json=first_page,
                  match=[responses.matchers.query_param_matcher({"$filter": "x"})])
    responses.get(GRAPH + "/v1.0/devices", json={"value": [{"id": "b"}]},
                  match=[responses.matchers.query_param_matcher({"$skiptoken": "abc"})])
    harness = make_client()
    client = harness.client
    pages = list(client.pages("/devices", params={"$filter": "x"}, headers={"ConsistencyLevel": "eventual"}))
    assert pages == [[{"id": "a"}], [{"id": "b"}]]
    assert [c.request.headers["ConsistencyLevel"] for c in responses.calls] == ["eventual", "eventual"]
    assert responses.calls[1].request.url.startswith(GRAPH + "/v1.0/devices?")


@responses.activate
def test_verify_is_passed_on_every_request(monkeypatch):
    # requests lets REQUESTS_CA_BUNDLE override Session.verify; the funnel passes verify= per request so ca_path wins.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    responses.get(DEVICE, json={})
    harness = make_client(verify="/tmp/our-ca.pem")
    client = harness.client
    client.call("GET", "/devices/0f8fad5b-d9cb-469f-a165-70867728950e")
    assert responses.calls[0].request.req_kwargs["verify"] == "/tmp/our-ca.pem"
