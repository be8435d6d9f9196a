# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure device logic: validation, the PATCH body, the prediction, the diff and Graph's rules. No HTTP."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.entra.devices.plugins.module_utils._device import (
    EXTENSION_KEYS, build_diff, build_patch, check_rules, desired_properties, normalize_extension_attributes,
    predict_device, to_result, validate_identifier,
)
from ansible_collections.entra.devices.plugins.module_utils._errors import EntraError, InputError

OBJECT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def graph_device(**overrides):
    device = {
        "id": OBJECT_ID, "deviceId": "6b1fd0e2-5a8d-4c26-9b7e-3f1c2a9d8e41", "displayName": "WS-01",
        "accountEnabled": True, "operatingSystem": "Windows", "operatingSystemVersion": "10.0.19045",
        "isCompliant": True, "isManaged": True, "onPremisesSyncEnabled": None, "trustType": "AzureAd",
        "extensionAttributes": dict((key, None) for key in EXTENSION_KEYS),
    }
    device["extensionAttributes"]["extensionAttribute1"] = "kiosk"
    device["extensionAttributes"]["extensionAttribute5"] = "finance"
    device.update(overrides)
    return device


def params(**given):
    base = dict((name, None) for name in ("object_id", "device_id", "name", "account_enabled", "display_name",
                                          "operating_system", "operating_system_version", "is_compliant", "is_managed",
                                          "extension_attributes"))
    base["purge_extension_attributes"] = False
    base.update(given)
    return base


class TestValidation:
    def test_extension_keys_are_case_insensitive_and_canonicalized(self):
        assert normalize_extension_attributes({"EXTENSIONATTRIBUTE3": "a", "extensionattribute15": None}) == {
            "extensionAttribute3": "a", "extensionAttribute15": None}

    @pytest.mark.parametrize("key", ["extensionAttribute0", "extensionAttribute16", "customAttribute1", "extensionAttribute"])
    def test_unknown_extension_key(self, key):
        with pytest.raises(InputError, match="unknown key"):
            normalize_extension_attributes({key: "x"})

    def test_same_key_twice_in_different_case(self):
        with pytest.raises(InputError, match="more than once"):
            normalize_extension_attributes({"extensionAttribute1": "a", "EXTENSIONATTRIBUTE1": "b"})

    def test_value_limit_is_1024(self):
        assert normalize_extension_attributes({"extensionAttribute1": "x" * 1024})["extensionAttribute1"] == "x" * 1024
        with pytest.raises(InputError, match="1025 characters"):
            normalize_extension_attributes({"extensionAttribute1": "x" * 1025})

    @pytest.mark.parametrize("value", [True, ["a"], {"a": 1}])
    def test_value_type(self, value):
        with pytest.raises(InputError, match="must be a string or null"):
            normalize_extension_attributes({"extensionAttribute1": value})

    def test_numbers_become_strings(self):
        assert normalize_extension_attributes({"extensionAttribute1": 2024}) == {"extensionAttribute1": "2024"}

    @pytest.mark.parametrize("name, message", [("", "1 to 256"), ("x" * 257, "1 to 256"), ("   ", "blank")])
    def test_display_name_bounds(self, name, message):
        with pytest.raises(InputError, match=message):
            desired_properties(params(display_name=name))

    def test_display_name_256_is_fine(self):
        assert desired_properties(params(display_name="x" * 256)) == {"displayName": "x" * 256}

    @pytest.mark.parametrize("option", ["object_id", "device_id"])
    def test_ids_must_be_guids(self, option):
        with pytest.raises(InputError, match="must be a GUID"):
            validate_identifier(params(**{option: "laptop-01"}))

    def test_exactly_one_identifier(self):
        with pytest.raises(InputError, match="exactly one"):
            validate_identifier(params())
        with pytest.raises(InputError, match="got object_id, name"):
            validate_identifier(params(object_id=OBJECT_ID, name="x"))
        assert validate_identifier(params(name="WS-01")) == ("name", "WS-01")

    def test_only_given_options_are_desired(self):
        assert desired_properties(params(account_enabled=False, extension_attributes={"extensionAttribute2": "x"})) == {
            "accountEnabled": False, "extensionAttributes": {"extensionAttribute2": "x"}}


class TestPatch:
    def test_nothing_differs(self):
        desired = desired_properties(params(account_enabled=True, extension_attributes={"extensionattribute1": "kiosk"}))
        assert build_patch(graph_device(), desired) == {}

    def test_only_differences_are_sent(self):
        desired = desired_properties(params(account_enabled=False, display_name="WS-01",
                                            extension_attributes={"extensionAttribute1": "kiosk", "extensionAttribute2": "new"}))
        assert build_patch(graph_device(), desired) == {
            "accountEnabled": False, "extensionAttributes": {"extensionAttribute2": "new"}}

    def test_null_clears_a_set_attribute_and_is_a_no_op_on_an_unset_one(self):
        desired = desired_properties(params(extension_attributes={"extensionAttribute5": None, "extensionAttribute9": None}))
        assert build_patch(graph_device(), desired) == {"extensionAttributes": {"extensionAttribute5": None}}

    def test_purge_clears_every_unlisted_attribute_that_is_set(self):
        desired = desired_properties(params(extension_attributes={"extensionAttribute1": "kiosk"}))
        assert build_patch(graph_device(), desired, purge_extension_attributes=True) == {
            "extensionAttributes": {"extensionAttribute5": None}}

    def test_purge_alone_clears_everything(self):
        assert build_patch(graph_device(), {}, purge_extension_attributes=True) == {
            "extensionAttributes": {"extensionAttribute1": None, "extensionAttribute5": None}}

    def test_prediction_merges_attributes(self):
        patch = {"displayName": "WS-02", "extensionAttributes": {"extensionAttribute5": None, "extensionAttribute7": "x"}}
        predicted = predict_device(graph_device(), patch)
        assert predicted["displayName"] == "WS-02"
        assert predicted["extensionAttributes"]["extensionAttribute1"] == "kiosk"
        assert predicted["extensionAttributes"]["extensionAttribute5"] is None
        assert predicted["extensionAttributes"]["extensionAttribute7"] == "x"

    def test_prediction_does_not_touch_the_current_device(self):
        current = graph_device()
        predict_device(current, {"extensionAttributes": {"extensionAttribute1": "other"}})
        assert current["extensionAttributes"]["extensionAttribute1"] == "kiosk"

    def test_result_shape_can_be_fed_back(self):
        result = to_result(graph_device())
        assert result["object_id"] == OBJECT_ID
        assert result["account_enabled"] is True
        assert sorted(result["extension_attributes"]) == sorted(EXTENSION_KEYS)
        desired = desired_properties(params(extension_attributes=result["extension_attributes"]))
        assert build_patch(graph_device(), desired) == {}

    def test_diff_shows_only_properties_in_play(self):
        desired = desired_properties(params(account_enabled=False, extension_attributes={"extensionAttribute2": "x"}))
        before = graph_device()
        diff = build_diff(before, predict_device(before, build_patch(before, desired)), desired)
        assert diff == {
            "before": {"account_enabled": True, "extension_attributes": {"extensionAttribute2": None}},
            "after": {"account_enabled": False, "extension_attributes": {"extensionAttribute2": "x"}},
        }

    def test_diff_with_purge_shows_all_fifteen(self):
        diff = build_diff(graph_device(), graph_device(), {}, purge_extension_attributes=True)
        assert len(diff["before"]["extension_attributes"]) == 15


class TestRules:
    def test_windows_app_only_may_change_anything(self):
        check_rules(graph_device(), {"displayName": "x", "accountEnabled": False}, app_only=True)

    def test_non_windows_app_only_may_change_only_extension_attributes(self):
        mac = graph_device(operatingSystem="MacMDM")
        check_rules(mac, {"extensionAttributes": {"extensionAttribute1": "x"}}, app_only=True)
        with pytest.raises(EntraError, match="only extension_attributes change on non-Windows") as caught:
            check_rules(mac, {"displayName": "x"}, app_only=True)
        assert caught.value.details["rule"] == "non_windows_app_only"

    def test_delegated_callers_are_left_to_graph(self):
        check_rules(graph_device(operatingSystem="MacMDM"), {"displayName": "x"}, app_only=False)
        check_rules(graph_device(operatingSystem="linux"), {"extensionAttributes": {"extensionAttribute1": "x"}}, app_only=False)

    def test_linux_app_only_cannot_change_extension_attributes(self):
        with pytest.raises(EntraError, match="known Graph issue"):
            check_rules(graph_device(operatingSystem="linux"), {"extensionAttributes": {"extensionAttribute1": "x"}}, app_only=True)

    def test_synced_devices_refuse_on_premises_mastered_properties(self):
        synced = graph_device(onPremisesSyncEnabled=True)
        check_rules(synced, {"extensionAttributes": {"extensionAttribute1": "x"}}, app_only=True)
        with pytest.raises(EntraError, match="account_enabled, display_name are mastered on-premises"):
            check_rules(synced, {"accountEnabled": False, "displayName": "x"}, app_only=False)

    def test_compliance_is_left_to_graph(self):
        # Only Graph knows whether the caller is Intune or an approved MDM app.
        check_rules(graph_device(operatingSystem="MacMDM"), {"isCompliant": False}, app_only=True)
