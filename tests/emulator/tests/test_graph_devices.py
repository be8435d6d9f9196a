"""Graph device endpoints: authentication, permissions, addressing, PATCH rules, DELETE."""

import time

import jwt
import pytest

from entra_emulator import seed
from entra_emulator.seed import DEVICES

ALICE = DEVICES["WS-ALICE-01"]
CAROL = DEVICES["WS-CAROL-02"]
MAC = DEVICES["MAC-BOB-01"]
LINUX = DEVICES["LNX-BUILD-01"]
HYBRID = DEVICES["WS-HYBRID-04"]
DEVICE_PATH = "/v1.0/devices/%s"
NOT_FOUND = "does not exist or one of its queried reference-property objects are not present."
ON_PREM = ("Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently "
           "undergoing migration.")
WINDOWS_ONLY = "Properties other than ExtendedAttribute1..15 can be modified only on windows devices."


def error_of(response):
    body = response.json()["error"]
    assert set(body["innerError"]) == {"date", "request-id", "client-request-id"}
    return body["code"], body["message"]


def patch(graph, device, body, **kwargs):
    return graph("PATCH", DEVICE_PATH % device["id"], json=body, **kwargs)


# Authentication

def test_missing_token_is_401_with_www_authenticate(emu, http):
    response = http.get(emu.url + DEVICE_PATH % ALICE["id"])
    assert response.status_code == 401
    assert error_of(response) == ("InvalidAuthenticationToken", "Access token is empty.")
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_garbage_token_is_not_well_formed(graph):
    response = graph("GET", "/v1.0/devices", token="garbage")
    assert response.status_code == 401
    assert "IDX14100: JWT is not well formed" in error_of(response)[1]
    assert "garbage" not in response.text


def test_foreign_signature_and_wrong_audience_are_rejected(emu, graph):
    now = int(time.time())
    good_claims = {"aud": emu.graph_resource, "iss": "https://sts.windows.net/%s/" % emu.tenant_id, "iat": now, "nbf": now,
                   "exp": now + 600, "roles": ["Device.ReadWrite.All"], "appid": emu.apps["automation"].client_id}
    forged = jwt.encode(good_claims, "not-the-emulator-key-but-long-enough-for-hs256", algorithm="HS256")
    response = graph("GET", "/v1.0/devices", token=forged)
    assert response.status_code == 401
    assert error_of(response)[1] == "Access token validation failure. Invalid audience."
    other_audience = jwt.encode(dict(good_claims, aud="api://something-else"), "k" * 32, algorithm="HS256")
    assert error_of(graph("GET", "/v1.0/devices", token=other_audience))[1] == "Access token validation failure. Invalid audience."


def test_expired_token(emu, graph):
    stale = emu.mint_token(expires_in=-10)
    response = graph("GET", "/v1.0/devices", token=stale)
    assert response.status_code == 401
    assert error_of(response)[1] == "Lifetime validation failed, the token is expired."


def test_expire_tokens_invalidates_every_token_issued_so_far(emu, graph):
    before = emu.mint_token()
    assert graph("GET", "/v1.0/devices", token=before).status_code == 200
    emu.expire_tokens()
    response = graph("GET", "/v1.0/devices", token=before)
    assert response.status_code == 401 and "expired" in error_of(response)[1]
    assert graph("GET", "/v1.0/devices", token=emu.mint_token()).status_code == 200


# Permissions

def test_app_without_roles_cannot_read(graph):
    response = graph("GET", DEVICE_PATH % ALICE["id"], app="noperms")
    assert response.status_code == 403
    assert error_of(response) == ("Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def test_reader_reads_but_cannot_write(emu, graph):
    assert graph("GET", DEVICE_PATH % ALICE["id"], app="reader").status_code == 200
    assert patch(graph, ALICE, {"accountEnabled": False}, app="reader").status_code == 403
    assert graph("DELETE", DEVICE_PATH % ALICE["id"], app="reader").status_code == 403
    assert emu.get_device(ALICE["id"])["accountEnabled"] is True


@pytest.mark.parametrize("roles, body, expected", [
    ([seed.ROLE_INTUNE_ADMINISTRATOR], {"displayName": "X1", "accountEnabled": False}, 204),
    ([seed.ROLE_GLOBAL_ADMINISTRATOR], {"operatingSystemVersion": "10.0.1"}, 204),
    ([seed.ROLE_CLOUD_DEVICE_ADMINISTRATOR], {"accountEnabled": False}, 204),
    ([seed.ROLE_CLOUD_DEVICE_ADMINISTRATOR], {"displayName": "X2"}, 403),
    ([seed.ROLE_WINDOWS_365_ADMINISTRATOR], {"displayName": "X3", "extensionAttributes": {"extensionAttribute3": "w365"}}, 204),
    ([seed.ROLE_WINDOWS_365_ADMINISTRATOR], {"accountEnabled": False}, 403),
    ([seed.ROLE_WINDOWS_365_ADMINISTRATOR, seed.ROLE_CLOUD_DEVICE_ADMINISTRATOR], {"accountEnabled": False}, 204),
    ([], {"displayName": "X4"}, 403),
])
def test_delegated_roles(emu, graph, roles, body, expected):
    token = emu.mint_token(delegated=True, wids=roles)
    response = patch(graph, ALICE, body, token=token)
    assert response.status_code == expected, response.text
    device = emu.get_device(ALICE["id"])
    changed = all(device[name] == value for name, value in body.items() if name != "extensionAttributes")
    assert changed == (expected == 204)


def test_delegated_delete_rights(emu, graph):
    w365 = emu.mint_token(delegated=True, wids=[seed.ROLE_WINDOWS_365_ADMINISTRATOR])
    assert graph("DELETE", DEVICE_PATH % ALICE["id"], token=w365).status_code == 403
    cloud_device_admin = emu.mint_token(delegated=True, wids=[seed.ROLE_CLOUD_DEVICE_ADMINISTRATOR])
    assert graph("DELETE", DEVICE_PATH % ALICE["id"], token=cloud_device_admin).status_code == 204


def test_delegated_read_needs_a_read_scope(emu, graph):
    assert graph("GET", "/v1.0/devices", token=emu.mint_token(delegated=True, scp="Device.Read.All")).status_code == 200
    assert graph("GET", "/v1.0/devices", token=emu.mint_token(delegated=True, scp="User.Read")).status_code == 403


# Reading and addressing

def test_get_default_properties_omit_extension_attributes(graph):
    response = graph("GET", DEVICE_PATH % ALICE["id"])
    assert response.status_code == 200
    device = response.json()
    assert device["displayName"] == "WS-ALICE-01" and device["deviceId"] == ALICE["deviceId"]
    assert "extensionAttributes" not in device
    assert {"accountEnabled", "operatingSystem", "trustType", "isCompliant", "onPremisesSyncEnabled", "physicalIds"} <= set(device)
    assert device["@odata.context"].endswith("/v1.0/$metadata#devices/$entity")


def test_select_extension_attributes_returns_all_fifteen_keys(graph):
    response = graph("GET", DEVICE_PATH % CAROL["id"], params={"$select": "id,displayName,extensionAttributes"})
    device = response.json()
    assert set(device) == {"@odata.context", "id", "displayName", "extensionAttributes"}
    assert len(device["extensionAttributes"]) == 15
    assert device["extensionAttributes"]["extensionAttribute1"] == "Finance"
    assert device["extensionAttributes"]["extensionAttribute3"] is None


def test_unknown_select_property_is_400(graph):
    response = graph("GET", DEVICE_PATH % ALICE["id"], params={"$select": "displayName,colour"})
    assert response.status_code == 400 and "colour" in error_of(response)[1]


@pytest.mark.parametrize("path", [
    "/v1.0/devices(deviceId='%s')",
    "/v1.0/devices(deviceId=%%27%s%%27)",
    "/v1.0/devices%%28deviceId%%3D%%27%s%%27%%29",
])
def test_alternate_key(emu, graph, path):
    response = graph("GET", path % ALICE["deviceId"])
    assert response.status_code == 200 and response.json()["id"] == ALICE["id"]
    assert graph("PATCH", path % ALICE["deviceId"], json={"displayName": "ALT"}).status_code == 204
    assert emu.get_device(ALICE["id"])["displayName"] == "ALT"
    assert emu.graph_requests()[0].path == "/v1.0/devices(deviceId='%s')" % ALICE["deviceId"]


def test_alternate_key_delete_and_object_id_is_not_a_device_id(emu, graph):
    assert graph("GET", "/v1.0/devices(deviceId='%s')" % ALICE["id"]).status_code == 404
    assert graph("DELETE", "/v1.0/devices(deviceId='%s')" % ALICE["deviceId"]).status_code == 204
    assert emu.get_device(ALICE["id"]) is None


def test_missing_and_malformed_ids(graph):
    missing = "00000000-0000-4000-8000-00000000dead"
    response = graph("GET", DEVICE_PATH % missing)
    assert response.status_code == 404
    assert error_of(response) == ("Request_ResourceNotFound", "Resource '%s' %s" % (missing, NOT_FOUND))
    response = graph("PATCH", DEVICE_PATH % "WS-ALICE-01", json={"displayName": "x"})
    assert response.status_code == 400
    assert error_of(response) == ("Request_BadRequest", "Invalid object identifier 'WS-ALICE-01'.")


def test_graph_headers(graph):
    response = graph("GET", DEVICE_PATH % ALICE["id"], headers={"client-request-id": "11111111-2222-4333-8444-555555555555"})
    assert response.headers["client-request-id"] == "11111111-2222-4333-8444-555555555555"
    assert len(response.headers["request-id"]) == 36 and response.headers["Date"]
    assert response.headers["Content-Type"].startswith("application/json")
    other = graph("GET", DEVICE_PATH % ALICE["id"])
    assert other.headers["request-id"] != response.headers["request-id"]
    failed = graph("GET", DEVICE_PATH % "00000000-0000-4000-8000-00000000dead", headers={"client-request-id": "abc"})
    inner = failed.json()["error"]["innerError"]
    assert inner["client-request-id"] == "abc" and inner["request-id"] == failed.headers["request-id"]


# PATCH

def test_patch_merges_extension_attributes_and_answers_204(emu, graph):
    response = patch(graph, CAROL, {"extensionAttributes": {"extensionAttribute2": None, "extensionAttribute5": "new"}})
    assert response.status_code == 204 and response.content == b""
    attributes = emu.get_device(CAROL["id"])["extensionAttributes"]
    assert attributes["extensionAttribute1"] == "Finance"
    assert attributes["extensionAttribute2"] is None
    assert attributes["extensionAttribute5"] == "new"
    assert attributes["extensionAttribute15"] == "cost-center-4711"
    assert emu.graph_requests()[0].body == {"extensionAttributes": {"extensionAttribute2": None, "extensionAttribute5": "new"}}


@pytest.mark.parametrize("body, fragment", [
    ({"trustType": "Workplace"}, "'trustType' is read-only"),
    ({"colour": "red"}, "'colour' does not exist"),
    ({"accountEnabled": "false"}, "'accountEnabled'"),
    ({"displayName": ""}, "'displayName'"),
    ({"displayName": "x" * 257}, "'displayName'"),
    ({"extensionAttributes": {"extensionAttribute16": "x"}}, "'extensionAttribute16'"),
    ({"extensionAttributes": {"extensionAttribute1": "x" * 1025}}, "extensionAttribute1"),
    ({"extensionAttributes": {"extensionAttribute1": 5}}, "extensionAttribute1"),
    ({"displayName": "VALID", "manufacturer": "Contoso"}, "'manufacturer' is read-only"),
])
def test_patch_validation_is_all_or_nothing(emu, graph, body, fragment):
    before = emu.get_device(ALICE["id"])
    response = patch(graph, ALICE, body)
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "Request_BadRequest" and fragment in message, message
    assert emu.get_device(ALICE["id"]) == before


def test_patch_extension_attribute_of_exactly_1024_and_displayname_of_256(emu, graph):
    body = {"displayName": "d" * 256, "extensionAttributes": {"extensionAttribute1": "e" * 1024}}
    assert patch(graph, ALICE, body).status_code == 204
    assert emu.get_device(ALICE["id"])["displayName"] == "d" * 256


def test_patch_body_must_be_json(graph):
    assert graph("PATCH", DEVICE_PATH % ALICE["id"], data="displayName=x",
                 headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 400
    assert graph("PATCH", DEVICE_PATH % ALICE["id"], data="", headers={"Content-Type": "application/json"}).status_code == 400


def test_rule1_compliance_needs_intune_or_mdm_on_windows(emu, graph):
    for app, device, expected in [("automation", ALICE, 403), ("intune", MAC, 204), ("mdm", ALICE, 204), ("mdm", MAC, 403)]:
        response = patch(graph, device, {"isCompliant": False}, app=app)
        assert response.status_code == expected, (app, device, response.text)
    token = emu.mint_token(delegated=True, wids=[seed.ROLE_GLOBAL_ADMINISTRATOR])
    assert patch(graph, ALICE, {"isManaged": False}, token=token).status_code == 403
    assert emu.get_device(MAC["id"])["isCompliant"] is False and emu.get_device(ALICE["id"])["isManaged"] is True


def test_rule2_app_only_changes_only_extension_attributes_on_non_windows(emu, graph):
    response = patch(graph, MAC, {"displayName": "MAC-RENAMED"})
    assert response.status_code == 400 and error_of(response) == ("Request_BadRequest", WINDOWS_ONLY)
    response = patch(graph, MAC, {"displayName": "MAC-RENAMED", "extensionAttributes": {"extensionAttribute1": "x"}})
    assert response.status_code == 400
    assert emu.get_device(MAC["id"])["extensionAttributes"]["extensionAttribute1"] is None
    assert patch(graph, MAC, {"extensionAttributes": {"extensionAttribute1": "x"}}).status_code == 204
    assert patch(graph, MAC, {"displayName": "MAC-BY-INTUNE"}, app="intune").status_code == 204
    admin = emu.mint_token(delegated=True, wids=[seed.ROLE_INTUNE_ADMINISTRATOR])
    assert patch(graph, MAC, {"displayName": "MAC-BY-ADMIN"}, token=admin).status_code == 204
    assert emu.get_device(MAC["id"])["displayName"] == "MAC-BY-ADMIN"


def test_rule3_app_only_cannot_touch_linux_extension_attributes(emu, graph):
    response = patch(graph, LINUX, {"extensionAttributes": {"extensionAttribute1": "x"}})
    assert response.status_code == 403 and error_of(response)[0] == "Authorization_RequestDenied"
    assert emu.get_device(LINUX["id"])["extensionAttributes"]["extensionAttribute1"] is None
    admin = emu.mint_token(delegated=True, wids=[seed.ROLE_INTUNE_ADMINISTRATOR])
    assert patch(graph, LINUX, {"extensionAttributes": {"extensionAttribute1": "x"}}, token=admin).status_code == 204


def test_rule4_synced_devices_reject_on_premises_mastered_properties(emu, graph):
    for body in ({"displayName": "NEW"}, {"accountEnabled": False}, {"operatingSystemVersion": "1"}):
        response = patch(graph, HYBRID, body)
        assert response.status_code == 400 and error_of(response) == ("Request_BadRequest", ON_PREM)
    assert patch(graph, HYBRID, {"extensionAttributes": {"extensionAttribute4": "ok"}}).status_code == 204
    device = emu.get_device(HYBRID["id"])
    assert device["displayName"] == "WS-HYBRID-04" and device["extensionAttributes"]["extensionAttribute4"] == "ok"


def test_patch_of_missing_device_is_404(graph):
    response = graph("PATCH", DEVICE_PATH % "00000000-0000-4000-8000-00000000dead", json={"displayName": "x"})
    assert response.status_code == 404


# DELETE

def test_delete_then_404(emu, graph):
    assert graph("DELETE", DEVICE_PATH % ALICE["id"]).status_code == 204
    assert graph("GET", DEVICE_PATH % ALICE["id"]).status_code == 404
    assert graph("DELETE", DEVICE_PATH % ALICE["id"]).status_code == 404
    assert emu.get_device(ALICE["id"]) is None


def test_visible_after_hides_a_new_device_for_a_while(emu, graph):
    device = emu.add_device(visible_after=0.6, displayName="FRESH-01")
    assert graph("GET", DEVICE_PATH % device["id"]).status_code == 404
    listed = graph("GET", "/v1.0/devices", params={"$filter": "displayName eq 'FRESH-01'"}).json()["value"]
    assert listed == []
    assert emu.get_device(device["id"])["displayName"] == "FRESH-01"
    deadline = time.monotonic() + 5
    while graph("GET", DEVICE_PATH % device["id"]).status_code == 404:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert time.monotonic() - emu.graph_requests()[0].time >= 0.5
    assert len(graph("GET", "/v1.0/devices", params={"$filter": "displayName eq 'FRESH-01'"}).json()["value"]) == 1
