# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_ad_device through real ansible-playbook runs against the emulator (TLS, real MSAL token requests).

Each test reads the emulator's request log to state what went over the wire, and reads the device out of band.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from entra_emulator.seed import DEVICES, ROLE_CLOUD_DEVICE_ADMINISTRATOR, ROLE_INTUNE_ADMINISTRATOR

from helpers import graph_calls, writes

ALICE = DEVICES["WS-ALICE-01"]
CAROL = DEVICES["WS-CAROL-02"]
MAC = DEVICES["MAC-BOB-01"]
LINUX = DEVICES["LNX-BUILD-01"]
HYBRID = DEVICES["WS-HYBRID-04"]
OBRIEN = DEVICES["O'Brien's MacBook"]
MODULE = "entra.devices.azure_ad_device"


def task(title, **options):
    return {"name": title, MODULE: options, "register": "out"}


def four_step(options):
    """check -> apply -> check again -> apply again, the order STYLE.md asks for."""
    return [
        dict(task("check", **options), check_mode=True, diff=True),
        dict(task("apply", **options), diff=True),
        dict(task("check again", **options), check_mode=True),
        task("apply again", **options),
    ]


def untouched(before, after, keys):
    """Every property outside ``keys`` is the same before and after."""
    before, after = copy.deepcopy(before), copy.deepcopy(after)
    for key in keys:
        before.pop(key, None)
        after.pop(key, None)
    return before == after


class TestConvergence:
    def test_every_property_changes_once_then_ok(self, emulator, playbook):
        before = emulator.get_device(ALICE["id"])
        options = {
            "object_id": ALICE["id"], "account_enabled": False, "display_name": "WS-ALICE-01-RENAMED",
            "operating_system": "Windows Server", "operating_system_version": "10.0.26100.1",
            "extension_attributes": {"EXTENSIONATTRIBUTE3": "kiosk", "extensionAttribute4": "x" * 1024},
        }
        run = playbook(four_step(options))
        assert run.rc == 0, run
        assert run.statuses == ["changed", "changed", "ok", "ok"], run
        expected_patch = {"accountEnabled": False, "displayName": "WS-ALICE-01-RENAMED", "operatingSystem": "Windows Server",
                          "operatingSystemVersion": "10.0.26100.1",
                          "extensionAttributes": {"extensionAttribute3": "kiosk", "extensionAttribute4": "x" * 1024}}
        # One read per task, one write in all: the apply step's PATCH with exactly the delta.
        path = "/v1.0/devices/" + ALICE["id"]
        assert graph_calls(emulator.graph_requests()) == [("GET", path), ("GET", path), ("PATCH", path), ("GET", path), ("GET", path)]
        assert [w.body for w in writes(emulator.graph_requests())] == [expected_patch]
        check, apply = run.result(0), run.result(1)
        assert check["changes"] == apply["changes"] == expected_patch
        assert check["device"] == apply["device"]
        assert apply["device"]["extension_attributes"]["extensionAttribute3"] == "kiosk"
        assert check["diff"]["before"]["account_enabled"] is True and check["diff"]["after"]["account_enabled"] is False
        assert run.result(3)["changes"] == {}
        # Out of band: the store holds the new values and nothing else moved.
        after = emulator.get_device(ALICE["id"])
        assert after["displayName"] == "WS-ALICE-01-RENAMED" and after["accountEnabled"] is False
        assert after["extensionAttributes"]["extensionAttribute4"] == "x" * 1024
        changed_keys = ["accountEnabled", "displayName", "operatingSystem", "operatingSystemVersion", "extensionAttributes"]
        assert untouched(before, after, changed_keys)
        assert {k: v for k, v in after["extensionAttributes"].items() if k not in ("extensionAttribute3", "extensionAttribute4")} == \
            {k: v for k, v in before["extensionAttributes"].items() if k not in ("extensionAttribute3", "extensionAttribute4")}
        # The returned device can be fed back: it matches the store.
        assert apply["device"]["object_id"] == ALICE["id"]
        assert apply["device"]["extension_attributes"] == after["extensionAttributes"]

    def test_compliance_flags_by_intune(self, emulator, playbook):
        intune = emulator.apps["intune"]
        run = playbook(four_step({"object_id": MAC["id"], "is_compliant": False, "is_managed": False}),
                       defaults={"client_id": intune.client_id, "client_secret": intune.client_secret})
        assert run.statuses == ["changed", "changed", "ok", "ok"], run
        assert [w.body for w in writes(emulator.graph_requests())] == [{"isCompliant": False, "isManaged": False}]
        device = emulator.get_device(MAC["id"])
        assert device["isCompliant"] is False and device["isManaged"] is False

    def test_by_device_id_uses_the_alternate_key(self, emulator, playbook):
        run = playbook([task("tag", device_id=ALICE["deviceId"], extension_attributes={"extensionAttribute9": "by-device-id"})])
        assert run.statuses == ["changed"], run
        calls = graph_calls(emulator.graph_requests())
        assert calls == [("GET", "/v1.0/devices(deviceId='%s')" % ALICE["deviceId"]), ("PATCH", "/v1.0/devices/" + ALICE["id"])]
        assert emulator.get_device(ALICE["id"])["extensionAttributes"]["extensionAttribute9"] == "by-device-id"

    def test_by_name_with_a_quote_in_it(self, emulator, playbook):
        run = playbook(four_step({"name": "O'Brien's MacBook", "extension_attributes": {"extensionAttribute1": "byod"}}))
        assert run.statuses == ["changed", "changed", "ok", "ok"], run
        reads = [r for r in emulator.graph_requests() if r.method == "GET"]
        assert len(reads) == 4 and all(r.path == "/v1.0/devices" for r in reads)
        assert reads[0].query["$filter"] == "displayName eq 'O''Brien''s MacBook'"
        assert emulator.get_device(OBRIEN["id"])["extensionAttributes"]["extensionAttribute1"] == "byod"

    def test_null_clears_and_purge_keeps_only_the_listed(self, emulator, playbook):
        run = playbook([task("clear one", object_id=CAROL["id"], extension_attributes={"extensionAttribute2": None})])
        assert run.statuses == ["changed"], run
        assert [w.body for w in writes(emulator.graph_requests())] == [{"extensionAttributes": {"extensionAttribute2": None}}]
        attributes = emulator.get_device(CAROL["id"])["extensionAttributes"]
        assert attributes["extensionAttribute2"] is None and attributes["extensionAttribute1"] == "Finance"

        emulator.clear_log()
        run = playbook(four_step({"object_id": CAROL["id"], "extension_attributes": {"extensionAttribute1": "Finance"},
                                  "purge_extension_attributes": True}))
        assert run.statuses == ["changed", "changed", "ok", "ok"], run
        assert [w.body for w in writes(emulator.graph_requests())] == [{"extensionAttributes": {"extensionAttribute15": None}}]
        attributes = emulator.get_device(CAROL["id"])["extensionAttributes"]
        assert attributes == dict((key, "Finance" if key == "extensionAttribute1" else None) for key in attributes)

    def test_check_mode_and_diff_send_no_write(self, emulator, playbook):
        before = emulator.get_device(ALICE["id"])
        run = playbook([task("preview", object_id=ALICE["id"], account_enabled=False,
                             extension_attributes={"extensionAttribute1": "preview"})], check=True, diff=True)
        assert run.statuses == ["changed"], run
        assert writes(emulator.graph_requests()) == []
        assert emulator.get_device(ALICE["id"]) == before
        result = run.result()
        assert result["diff"] == {"before": {"account_enabled": True, "extension_attributes": {"extensionAttribute1": None}},
                                  "after": {"account_enabled": False, "extension_attributes": {"extensionAttribute1": "preview"}}}
        assert result["device"]["account_enabled"] is False
        assert "-    \"account_enabled\": true" in run.stdout and "+    \"account_enabled\": false" in run.stdout


class TestDelete:
    def test_delete_then_delete_again(self, emulator, playbook):
        options = {"object_id": ALICE["id"], "state": "absent"}
        run = playbook(four_step(options))
        assert run.statuses == ["changed", "changed", "ok", "ok"], run
        path = "/v1.0/devices/" + ALICE["id"]
        assert graph_calls(emulator.graph_requests()) == [("GET", path), ("GET", path), ("DELETE", path), ("GET", path), ("GET", path)]
        assert emulator.get_device(ALICE["id"]) is None
        assert run.result(0)["diff"]["before"]["object_id"] == ALICE["id"] and run.result(0)["diff"]["after"] == {}

    def test_absent_by_name_that_does_not_exist_is_ok(self, emulator, playbook):
        run = playbook([task("gone", name="NO-SUCH-DEVICE", state="absent")])
        assert run.statuses == ["ok"], run
        assert writes(emulator.graph_requests()) == []


class TestIdentification:
    def test_duplicate_names_fail_listing_candidates_without_writing(self, emulator, playbook):
        run = playbook([dict(task("ambiguous", name="kiosk-lobby", account_enabled=False), ignore_errors=True)])
        assert run.statuses == ["failed"], run
        result = run.result()
        assert "2 devices are named 'kiosk-lobby'" in result["msg"]
        assert DEVICES["KIOSK-LOBBY#1"]["id"] in result["msg"] and DEVICES["KIOSK-LOBBY#2"]["id"] in result["msg"]
        assert sorted(result["candidates"]) == sorted([DEVICES["KIOSK-LOBBY#1"]["id"], DEVICES["KIOSK-LOBBY#2"]["id"]])
        assert writes(emulator.graph_requests()) == []
        assert emulator.get_device(DEVICES["KIOSK-LOBBY#1"]["id"])["accountEnabled"] is True

    @pytest.mark.parametrize("options", [{"name": "NO-SUCH-DEVICE"}, {"object_id": "00000000-0000-4000-8000-000000000000"},
                                         {"device_id": "00000000-0000-4000-8000-000000000000"}])
    def test_missing_device_fails_without_writing(self, emulator, playbook, options):
        run = playbook([dict(task("missing", account_enabled=False, **options), ignore_errors=True)])
        assert run.statuses == ["failed"], run
        assert "No device" in run.result()["msg"] and "wait_timeout" in run.result()["msg"]
        assert writes(emulator.graph_requests()) == [] and len(emulator.graph_requests()) == 1


class TestGraphRules:
    """Each documented rule: explained, with nothing changed."""

    def expect_refusal(self, emulator, playbook, device, options, message, defaults=None, patch_sent=False):
        before = emulator.get_device(device["id"])
        run = playbook([dict(task("refused", object_id=device["id"], **options), ignore_errors=True)], defaults=defaults)
        assert run.statuses == ["failed"], run
        result = run.result()
        assert message in result["msg"], result["msg"]
        assert "Traceback" not in run.stdout + run.stderr
        assert emulator.get_device(device["id"]) == before
        assert len(writes(emulator.graph_requests())) == (1 if patch_sent else 0)
        return result

    def test_app_only_non_windows_only_extension_attributes(self, emulator, playbook):
        self.expect_refusal(emulator, playbook, MAC, {"display_name": "MAC-RENAMED"},
                            "only extension_attributes change on non-Windows devices")

    def test_app_only_linux_extension_attributes_known_issue(self, emulator, playbook):
        self.expect_refusal(emulator, playbook, LINUX, {"extension_attributes": {"extensionAttribute1": "x"}}, "known Graph issue")

    def test_synced_device_on_premises_mastered(self, emulator, playbook):
        self.expect_refusal(emulator, playbook, HYBRID, {"account_enabled": False}, "synchronized from on-premises Active Directory")

    def test_compliance_needs_intune_graph_says_so(self, emulator, playbook):
        result = self.expect_refusal(emulator, playbook, ALICE, {"is_compliant": False},
                                     "only Intune (any OS) or an approved MDM application", patch_sent=True)
        assert result["error_code"] == "Authorization_RequestDenied" and result["request_id"]
        assert result["request_id"] in result["msg"]

    def test_missing_permission_is_named(self, emulator, playbook):
        reader = emulator.apps["reader"]
        result = self.expect_refusal(emulator, playbook, ALICE, {"account_enabled": False}, "Device.ReadWrite.All",
                                     defaults={"client_id": reader.client_id, "client_secret": reader.client_secret},
                                     patch_sent=True)
        assert result["status"] == 403 and result["error_code"] == "Authorization_RequestDenied"

    def test_delegated_cloud_device_administrator_may_only_enable_or_disable(self, emulator, playbook):
        token = emulator.mint_token(delegated=True, wids=[ROLE_CLOUD_DEVICE_ADMINISTRATOR])
        defaults = {"access_token": token}
        self.expect_refusal(emulator, playbook, ALICE, {"display_name": "x"}, "Intune Administrator", defaults=defaults,
                            patch_sent=True)
        emulator.clear_log()
        run = playbook([task("disable", object_id=ALICE["id"], account_enabled=False)], defaults=defaults)
        assert run.statuses == ["changed"], run
        assert emulator.get_device(ALICE["id"])["accountEnabled"] is False

    def test_delegated_intune_administrator_may_rename_a_mac(self, emulator, playbook):
        token = emulator.mint_token(delegated=True, wids=[ROLE_INTUNE_ADMINISTRATOR])
        run = playbook([task("rename", object_id=MAC["id"], display_name="MAC-BOB-02")],
                       defaults={"access_token": token})
        assert run.statuses == ["changed"], run
        assert emulator.get_device(MAC["id"])["displayName"] == "MAC-BOB-02"
        assert emulator.token_requests() == []

    def test_approved_mdm_app_may_set_compliance_on_windows_only(self, emulator, playbook):
        mdm = emulator.apps["mdm"]
        defaults = {"client_id": mdm.client_id, "client_secret": mdm.client_secret}
        run = playbook([task("windows", object_id=ALICE["id"], is_compliant=False)], defaults=defaults)
        assert run.statuses == ["changed"], run
        assert emulator.get_device(ALICE["id"])["isCompliant"] is False
        emulator.clear_log()
        self.expect_refusal(emulator, playbook, MAC, {"is_compliant": False}, "approved MDM application (Windows devices)",
                            defaults=defaults, patch_sent=True)


class TestAsync:
    def test_async_task_runs_the_module_in_the_background(self, emulator, playbook):
        run = playbook([dict(task("tag in the background", object_id=ALICE["id"], extension_attributes={"extensionAttribute8": "async"}),
                             **{"async": 60, "poll": 1})])
        assert run.statuses == ["changed"], run
        assert emulator.get_device(ALICE["id"])["extensionAttributes"]["extensionAttribute8"] == "async"
