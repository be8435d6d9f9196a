"""GET /devices: $filter grammar, advanced queries, $select, $top, $count, $search and paging."""

import pytest

from entra_emulator.seed import DEVICES

ADVANCED = {"ConsistencyLevel": "eventual"}


def names(graph, flt, headers=None, **params):
    params["$filter"] = flt
    response = graph("GET", "/v1.0/devices", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return sorted(device["displayName"] for device in response.json()["value"])


@pytest.mark.parametrize("flt, expected", [
    ("displayName eq 'ws-alice-01'", ["WS-ALICE-01"]),
    ("displayName eq 'O''Brien''s MacBook'", ["O'Brien's MacBook"]),
    ("displayName eq 'KIOSK-LOBBY'", ["KIOSK-LOBBY", "KIOSK-LOBBY"]),
    ("deviceId eq '%s'" % DEVICES["MAC-BOB-01"]["deviceId"], ["MAC-BOB-01"]),
    ("id eq '%s'" % DEVICES["MAC-BOB-01"]["id"].upper(), ["MAC-BOB-01"]),
    ("accountEnabled eq false", ["WS-DAVE-03"]),
    ("onPremisesSyncEnabled eq true", ["WS-HYBRID-04"]),
    ("trustType eq 'ServerAd'", ["WS-HYBRID-04"]),
    ("startswith(displayName,'ws-')", ["WS-ALICE-01", "WS-CAROL-02", "WS-DAVE-03", "WS-HYBRID-04"]),
    ("operatingSystem in ('linux','IOS')", ["IPH-ERIN-01", "LNX-BUILD-01"]),
    ("operatingSystem eq 'macOS' and (isCompliant eq true or displayName eq 'nothing')", ["MAC-BOB-01"]),
    ("operatingSystem eq 'Android' or operatingSystemVersion eq '14.6.1'", ["AND-GRACE-01", "MAC-BOB-01"]),
    ("onPremisesSyncEnabled eq null and operatingSystem eq 'iOS'", ["IPH-ERIN-01"]),
    ("approximateLastSignInDateTime le 2024-12-31T00:00:00Z", ["KIOSK-LOBBY", "WS-DAVE-03"]),
])
def test_basic_filters(graph, flt, expected):
    assert names(graph, flt) == expected


@pytest.mark.parametrize("flt, expected", [
    ("extensionAttributes/extensionAttribute1 eq 'finance'", ["WS-CAROL-02"]),
    ("operatingSystem ne 'Windows' and operatingSystem ne 'macOS'", ["AND-GRACE-01", "IPH-ERIN-01", "LNX-BUILD-01"]),
    ("not(startswith(displayName,'WS-')) and operatingSystem eq 'Windows'", ["KIOSK-LOBBY", "KIOSK-LOBBY"]),
    ("not startswith(displayName,'K') and operatingSystem eq 'Windows' and accountEnabled eq false", ["WS-DAVE-03"]),
    ("endswith(displayName,'-01') and operatingSystem eq 'macOS'", ["MAC-BOB-01"]),
])
def test_advanced_filters_need_consistency_level_and_count(graph, flt, expected):
    rejected = graph("GET", "/v1.0/devices", params={"$filter": flt})
    assert rejected.status_code == 400
    assert rejected.json()["error"]["code"] == "Request_UnsupportedQuery"
    only_header = graph("GET", "/v1.0/devices", params={"$filter": flt}, headers=ADVANCED)
    assert only_header.status_code == 400
    assert names(graph, flt, headers=ADVANCED, **{"$count": "true"}) == expected


def test_count_needs_consistency_level(graph):
    assert graph("GET", "/v1.0/devices", params={"$count": "true"}).status_code == 400
    body = graph("GET", "/v1.0/devices", params={"$count": "true", "$top": "3"}, headers=ADVANCED).json()
    assert body["@odata.count"] == len(DEVICES) and len(body["value"]) == 3


def test_search_needs_consistency_level(graph):
    assert graph("GET", "/v1.0/devices", params={"$search": '"displayName:kiosk"'}).status_code == 400
    body = graph("GET", "/v1.0/devices", params={"$search": '"displayName:kiosk"'}, headers=ADVANCED).json()
    assert [device["displayName"] for device in body["value"]] == ["KIOSK-LOBBY", "KIOSK-LOBBY"]


@pytest.mark.parametrize("params, code", [
    ({"$filter": "colour eq 'red'"}, "BadRequest"),
    ({"$filter": "displayName eq"}, "BadRequest"),
    ({"$filter": "displayName eq 'unterminated"}, "BadRequest"),
    ({"$filter": "accountEnabled eq 'yes'"}, "BadRequest"),
    ({"$filter": "startswith(accountEnabled,'t')"}, "Request_UnsupportedQuery"),
    ({"$filter": "physicalIds eq 'x'"}, "Request_UnsupportedQuery"),
    ({"$filter": "id eq 'not-a-guid'"}, "Request_BadRequest"),
    ({"$select": "displayName,shoeSize"}, "BadRequest"),
    ({"$top": "0"}, "Request_BadRequest"),
    ({"$top": "1000"}, "Request_BadRequest"),
    ({"$top": "ten"}, "Request_BadRequest"),
    ({"$orderby": "displayName"}, "Request_UnsupportedQuery"),
    ({"$skiptoken": "bogus"}, "Request_BadRequest"),
])
def test_bad_queries_are_400(graph, params, code):
    response = graph("GET", "/v1.0/devices", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code


def test_list_shape_and_select(graph):
    body = graph("GET", "/v1.0/devices", params={"$select": "displayName,extensionAttributes", "$top": "2"}).json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#devices(id,displayName,extensionAttributes)")
    assert all(set(device) == {"id", "displayName", "extensionAttributes"} for device in body["value"])
    default = graph("GET", "/v1.0/devices").json()
    assert len(default["value"]) == len(DEVICES) and "@odata.nextLink" not in default
    assert all("extensionAttributes" not in device for device in default["value"])


def test_paging_over_250_devices(emu, graph):
    emu.add_bulk_devices(250, prefix="page-")
    url, pages, seen = "/v1.0/devices", 0, []
    params = {"$filter": "startswith(displayName,'page-')", "$select": "id,displayName", "$top": "100"}
    while url:
        body = graph("GET", url, params=params).json()
        params = None  # the nextLink carries the query
        pages += 1
        seen += [device["displayName"] for device in body["value"]]
        url = body.get("@odata.nextLink")
        if url:
            assert url.startswith(emu.url + "/v1.0/devices?") and "$skiptoken=" in url
    assert pages == 3 and len(seen) == len(set(seen)) == 250
    assert seen[0] == "page-00001" and seen[-1] == "page-00250"
    assert [len(r.query) for r in emu.graph_requests()] == [3, 4, 4]


def test_advanced_paging_needs_the_header_on_every_page(emu, graph):
    emu.add_bulk_devices(30, prefix="adv-")
    first = graph("GET", "/v1.0/devices", headers=ADVANCED,
                  params={"$filter": "endswith(displayName,'0') and startswith(displayName,'adv-')", "$count": "true", "$top": "2"})
    body = first.json()
    assert body["@odata.count"] == 3 and len(body["value"]) == 2
    next_link = body["@odata.nextLink"]
    assert "%24count=true" in next_link or "$count=true" in next_link
    assert graph("GET", next_link).status_code == 400
    last = graph("GET", next_link, headers=ADVANCED).json()
    assert [device["displayName"] for device in last["value"]] == ["adv-00030"]
    assert "@odata.nextLink" not in last and last["@odata.count"] == 3


def test_ten_thousand_devices_page_with_top_999(emu, graph):
    ids = emu.add_bulk_devices(10000)
    assert len(ids) == 10000
    body = graph("GET", "/v1.0/devices", params={"$top": "999", "$select": "id"}).json()
    assert len(body["value"]) == 999 and "@odata.nextLink" in body
    hits = graph("GET", "/v1.0/devices", params={"$filter": "displayName eq 'bulk-10000'"}).json()["value"]
    assert [device["id"] for device in hits] == [ids[-1]]
