"""$batch, fault injection, latency."""

import time

import pytest
import requests

from entra_emulator.faults import parse_fault_spec
from entra_emulator.seed import DEVICES

ALICE = DEVICES["WS-ALICE-01"]
CAROL = DEVICES["WS-CAROL-02"]
MAC = DEVICES["MAC-BOB-01"]
MISSING = "00000000-0000-4000-8000-00000000dead"
JSON = {"Content-Type": "application/json"}


def batch(graph, items, **kwargs):
    return graph("POST", "/v1.0/$batch", json={"requests": items}, **kwargs)


def by_id(response):
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["responses"]}


def test_batch_runs_each_item_through_the_same_rules(emu, graph):
    items = [
        {"id": "1", "method": "GET", "url": "/devices/%s?$select=id,extensionAttributes" % CAROL["id"]},
        {"id": "2", "method": "PATCH", "url": "/devices/%s" % ALICE["id"], "headers": JSON, "body": {"displayName": "BATCHED"}},
        {"id": "3", "method": "PATCH", "url": "/devices/%s" % MAC["id"], "headers": JSON, "body": {"displayName": "NOPE"}},
        {"id": "4", "method": "GET", "url": "/devices/%s" % MISSING},
        {"id": "5", "method": "DELETE", "url": "/devices(deviceId='%s')" % CAROL["deviceId"]},
    ]
    responses = by_id(batch(graph, items))
    assert responses["1"]["status"] == 200 and len(responses["1"]["body"]["extensionAttributes"]) == 15
    assert responses["2"]["status"] == 204 and "body" not in responses["2"]
    assert responses["3"]["status"] == 400 and "windows devices" in responses["3"]["body"]["error"]["message"]
    assert responses["4"]["status"] == 404 and responses["4"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert responses["5"]["status"] == 204
    assert emu.get_device(ALICE["id"])["displayName"] == "BATCHED" and emu.get_device(CAROL["id"]) is None
    records = emu.graph_requests()
    envelope = [r for r in records if r.kind == "graph"]
    assert [(r.method, r.path) for r in envelope] == [("POST", "/v1.0/$batch")]
    item_records = [r for r in records if r.kind == "batch-item"]
    assert len(item_records) == 5 and {r.batch_id for r in item_records} == {str(envelope[0].seq)}
    assert sorted((r.method, r.path, r.status) for r in item_records)[0] == ("DELETE", "/v1.0/devices(deviceId='%s')" % CAROL["deviceId"], 204)
    patch_record = next(r for r in item_records if r.method == "PATCH" and r.status == 204)
    assert patch_record.body == {"displayName": "BATCHED"} and patch_record.headers["Authorization"] == "Bearer <redacted>"


def test_batch_answers_in_shuffled_order(graph):
    items = [{"id": str(n), "method": "GET", "url": "/devices/%s?$select=id" % ALICE["id"]} for n in range(20)]
    orders = {tuple(item["id"] for item in batch(graph, items).json()["responses"]) for attempt in range(5)}
    assert len(orders) > 1


@pytest.mark.parametrize("items, fragment", [
    ([{"id": str(n), "method": "GET", "url": "/devices"} for n in range(21)], "20"),
    ([{"id": "1", "method": "GET", "url": "/devices"}, {"id": "1", "method": "GET", "url": "/devices"}], "duplicate"),
    ([{"id": "1", "method": "PATCH", "url": "/devices/%s" % ALICE["id"], "body": {"displayName": "x"}}], "Content-Type"),
    ([], "Invalid batch payload"),
    ([{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/devices"}], "relative"),
])
def test_invalid_batches_are_400(emu, graph, items, fragment):
    response = batch(graph, items)
    assert response.status_code == 400 and fragment in response.json()["error"]["message"]
    assert emu.get_device(ALICE["id"])["displayName"] == "WS-ALICE-01"


def test_batch_needs_a_token_and_items_use_its_permissions(emu, http, graph):
    assert http.post(emu.url + "/v1.0/$batch", json={"requests": [{"id": "1", "method": "GET", "url": "/devices"}]}).status_code == 401
    items = [{"id": "1", "method": "PATCH", "url": "/devices/%s" % ALICE["id"], "headers": JSON, "body": {"displayName": "x"}}]
    assert by_id(batch(graph, items, app="reader"))["1"]["status"] == 403


def test_throttled_batch_item_carries_its_own_retry_after(emu, graph):
    fault = emu.add_fault(method="PATCH", path=r"^/v1\.0/devices/%s$" % ALICE["id"], status=429, retry_after="2.128")
    items = [{"id": "a", "method": "PATCH", "url": "/devices/%s" % ALICE["id"], "headers": JSON, "body": {"displayName": "T"}},
             {"id": "b", "method": "PATCH", "url": "/devices/%s" % CAROL["id"], "headers": JSON, "body": {"displayName": "T"}}]
    responses = by_id(batch(graph, items))
    assert responses["a"]["status"] == 429 and responses["a"]["headers"]["Retry-After"] == "2.128"
    assert responses["a"]["body"]["error"]["code"] == "TooManyRequests"
    assert responses["b"]["status"] == 204 and "Retry-After" not in responses["b"]["headers"]
    assert fault.hits == 1 and emu.get_device(ALICE["id"])["displayName"] == "WS-ALICE-01"


def test_status_fault_with_retry_after_and_times(emu, graph):
    fault = emu.add_fault(method="PATCH", path=r"^/v1\.0/devices/", status=429, retry_after="1.5", times=2)
    statuses = []
    for attempt in range(3):
        response = patch_alice(graph)
        statuses.append((response.status_code, response.headers.get("Retry-After")))
    assert statuses == [(429, "1.5"), (429, "1.5"), (204, None)]
    assert fault.hits == 2
    assert graph("GET", "/v1.0/devices/%s" % ALICE["id"]).status_code == 200


def patch_alice(graph, name="FAULTY"):
    return graph("PATCH", "/v1.0/devices/%s" % ALICE["id"], json={"displayName": name})


def test_fault_answer_is_a_graph_error_and_changes_nothing(emu, graph):
    emu.add_fault(method="ANY", path="devices", status=503, retry_after=None, times=None)
    response = patch_alice(graph)
    assert response.status_code == 503 and "Retry-After" not in response.headers
    error = response.json()["error"]
    assert error["code"] == "serviceNotAvailable" and error["innerError"]["request-id"] == response.headers["request-id"]
    assert emu.get_device(ALICE["id"])["displayName"] == "WS-ALICE-01"
    assert graph("GET", "/v1.0/devices").status_code == 503
    emu.clear_faults()
    assert graph("GET", "/v1.0/devices").status_code == 200


def test_custom_fault_code(emu, graph):
    emu.add_fault(method="GET", path="devices", status=403, retry_after=None, code="Authorization_RequestDenied")
    assert graph("GET", "/v1.0/devices").json()["error"]["code"] == "Authorization_RequestDenied"


def test_drop_closes_the_connection_without_an_answer(emu, graph):
    fault = emu.add_fault(method="GET", path=r"^/v1\.0/devices$", status=None, drop=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        graph("GET", "/v1.0/devices")
    assert graph("GET", "/v1.0/devices").status_code == 200
    records = emu.graph_requests()
    assert [(r.dropped, r.status) for r in records] == [(True, None), (False, 200)]
    assert fault.hits == 1


def test_delay_fault_slows_one_request(emu, graph):
    emu.add_fault(method="GET", path="devices", status=None, delay=0.4)
    started = time.monotonic()
    assert graph("GET", "/v1.0/devices").status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    graph("GET", "/v1.0/devices")
    assert time.monotonic() - started < 0.4


def test_faults_only_hit_their_kind(emu, http, graph):
    emu.add_fault(method="ANY", path=".*", status=500, kind="token", times=None)
    assert graph("GET", "/v1.0/devices").status_code == 200
    form = {"grant_type": "client_credentials", "client_id": emu.apps["automation"].client_id, "scope": "https://graph.microsoft.com/.default",
            "client_secret": emu.apps["automation"].client_secret}
    response = http.post("%s/%s/oauth2/v2.0/token" % (emu.url, emu.tenant_id), data=form)
    assert response.status_code == 500 and response.json()["error"] == "temporarily_unavailable"


def test_latency_applies_to_every_non_admin_request(emu, http, graph):
    emu.set_latency(250)
    started = time.monotonic()
    assert graph("GET", "/v1.0/devices/%s" % ALICE["id"]).status_code == 200
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    http.get(emu.url + "/_emulator/config")
    assert time.monotonic() - started < 0.25
    emu.set_latency(0)


@pytest.mark.parametrize("spec, expected", [
    ("PATCH:/v1.0/devices/:429:retry_after=1.5:times=2",
     {"method": "PATCH", "path": "/v1.0/devices/", "status": 429, "retry_after": "1.5", "times": 2}),
    ("GET:/v1.0/devices:503:times=2", {"method": "GET", "path": "/v1.0/devices", "status": 503, "times": 2}),
    ("GET:/v1.0/devices:drop:times=1", {"method": "GET", "path": "/v1.0/devices", "drop": True, "times": 1}),
    ("ANY:.*:delay=2", {"method": "ANY", "path": ".*", "delay": 2.0}),
    ("POST:/oauth2/v2\\.0/token:500:kind=token:times=forever",
     {"method": "POST", "path": "/oauth2/v2\\.0/token", "status": 500, "kind": "token", "times": None}),
    ("GET:^/v1\\.0/devices(?:/|\\():429", {"method": "GET", "path": "^/v1\\.0/devices(?:/|\\()", "status": 429}),
])
def test_fault_spec_syntax(emu, spec, expected):
    kwargs = parse_fault_spec(spec)
    assert kwargs == dict({"status": None, "retry_after": None}, **expected)
    fault = emu.add_fault(**kwargs)
    assert (fault.status, fault.retry_after) == (expected.get("status"), expected.get("retry_after"))


def test_fault_spec_needs_an_effect():
    with pytest.raises(ValueError):
        parse_fault_spec("GET:/v1.0/devices")


def test_drop_on_a_batch_item_drops_the_whole_batch(emu, graph):
    emu.add_fault(method="GET", path=r"^/v1\.0/devices/%s$" % CAROL["id"], status=None, drop=True)
    items = [{"id": "1", "method": "GET", "url": "/devices/%s" % ALICE["id"]}, {"id": "2", "method": "GET", "url": "/devices/%s" % CAROL["id"]}]
    with pytest.raises(requests.exceptions.ConnectionError):
        batch(graph, items)
    records = emu.graph_requests()
    assert [r.dropped for r in records if r.kind == "graph"] == [True]
    assert [r.path for r in records if r.dropped and r.kind == "batch-item"] == ["/v1.0/devices/%s" % CAROL["id"]]
    assert by_id(batch(graph, items))["2"]["status"] == 200
