# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input fails with a clear message before any request (token requests included) and nothing changes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from entra_emulator.seed import DEVICES

ALICE = DEVICES["WS-ALICE-01"]
MODULE = "entra.devices.azure_ad_device"
INFO = "entra.devices.azure_ad_device_info"

# (case, options, expected words in msg). One playbook runs them all, each task with ignore_errors.
CASES = [
    ("object_id not a GUID", {"object_id": "laptop-01"}, "object_id must be a GUID"),
    ("device_id not a GUID", {"device_id": "1234"}, "device_id must be a GUID"),
    ("two identifiers", {"object_id": ALICE["id"], "name": "WS-ALICE-01"}, "mutually exclusive"),
    ("unknown option", {"object_id": ALICE["id"], "colour": "red"}, "Unsupported parameters for (entra.devices.azure_ad_device) module: colour"),
    ("no identifier", {"account_enabled": False}, "one of the following is required"),
    ("unknown extension key", {"object_id": ALICE["id"], "extension_attributes": {"extensionAttribute16": "x"}}, "unknown key"),
    ("foreign extension key", {"object_id": ALICE["id"], "extension_attributes": {"department": "x"}}, "unknown key"),
    ("same key twice", {"object_id": ALICE["id"], "extension_attributes": {"extensionAttribute1": "a", "EXTENSIONATTRIBUTE1": "b"}},
     "more than once"),
    ("value too long", {"object_id": ALICE["id"], "extension_attributes": {"extensionAttribute1": "x" * 1025}}, "at most 1024"),
    ("value a list", {"object_id": ALICE["id"], "extension_attributes": {"extensionAttribute1": ["a"]}}, "must be a string or null"),
    ("extension_attributes not a dict", {"object_id": ALICE["id"], "extension_attributes": "kiosk"}, "extension_attributes"),
    ("empty display name", {"object_id": ALICE["id"], "display_name": ""}, "1 to 256 characters"),
    ("display name too long", {"object_id": ALICE["id"], "display_name": "x" * 257}, "1 to 256 characters"),
    ("account_enabled not a bool", {"object_id": ALICE["id"], "account_enabled": "maybe"}, "account_enabled"),
    ("absent with properties", {"object_id": ALICE["id"], "state": "absent", "account_enabled": False}, "state=absent"),
    ("unknown state", {"object_id": ALICE["id"], "state": "disabled"}, "state"),
    ("negative wait_timeout", {"object_id": ALICE["id"], "account_enabled": False, "wait_timeout": -1}, "wait_timeout"),
    ("graph_endpoint not https", {"object_id": ALICE["id"], "graph_endpoint": "http://127.0.0.1:1"}, "graph_endpoint must be an https://"),
    ("authority_host not https", {"object_id": ALICE["id"], "authority_host": "http://127.0.0.1:1"}, "authority_host must be an https://"),
    ("unknown cloud", {"object_id": ALICE["id"], "cloud_environment": "AzureMars"}, "cloud_environment"),
    ("unknown auth_method", {"object_id": ALICE["id"], "auth_method": "password"}, "auth_method"),
    ("timeout zero", {"object_id": ALICE["id"], "timeout": 0}, "timeout must be a positive"),
    ("max_retries negative", {"object_id": ALICE["id"], "max_retries": -1}, "max_retries must be between"),
    ("client_id not a GUID", {"object_id": ALICE["id"], "client_id": "automation"}, "client_id must be the application"),
    ("tenant_id missing", {"object_id": ALICE["id"], "tenant_id": None}, "needs tenant_id"),
    ("secret and certificate", {"object_id": ALICE["id"], "client_certificate_path": "@CERT@"}, "choose one"),
    ("certificate file missing", {"object_id": ALICE["id"], "client_secret": None, "client_certificate_path": "/nonexistent.pem"},
     "cannot be read"),
    ("certificate file not a PEM", {"object_id": ALICE["id"], "client_secret": None, "client_certificate_path": "@CA@"},
     "must be a PEM file holding both the private key and the certificate"),
    ("wrong certificate password", {"object_id": ALICE["id"], "client_secret": None, "client_certificate_path": "@ENC@",
                                    "client_certificate_password": "wrong-password"}, "does not decrypt"),
    ("encrypted key without password", {"object_id": ALICE["id"], "client_secret": None, "client_certificate_path": "@ENC@"},
     "set client_certificate_password"),
    ("access_token method without token", {"object_id": ALICE["id"], "auth_method": "access_token"}, "needs access_token"),
    ("no credentials", {"object_id": ALICE["id"], "client_secret": None}, "No credentials given"),
    ("ca_path missing", {"object_id": ALICE["id"], "ca_path": "/nonexistent-ca.pem"}, "ca_path /nonexistent-ca.pem cannot be read"),
    ("timeout not a number", {"object_id": ALICE["id"], "timeout": "soon"}, "timeout"),
    ("max_retry_wait zero", {"object_id": ALICE["id"], "max_retry_wait": 0}, "max_retry_wait must be more than 0"),
    ("bulk and single identifier", {"object_id": ALICE["id"], "devices": [ALICE["id"]]}, "mutually exclusive"),
    ("bulk item not a GUID", {"devices": [ALICE["id"], "laptop-01"]}, "devices[1]: object_id must be a GUID"),
    ("bulk item unknown key", {"devices": [{"object_id": ALICE["id"], "colour": "red"}]}, "devices[0]: Unsupported parameters"),
    ("bulk item without identifier", {"devices": [{"account_enabled": False}]}, "devices[0]: Identify the device with exactly one"),
    ("bulk item two identifiers", {"devices": [{"object_id": ALICE["id"], "name": "x"}]}, "devices[0]: Identify the device"),
    ("bulk item bad bool", {"devices": [{"object_id": ALICE["id"], "account_enabled": "perhaps"}]}, "devices[0]"),
    ("bulk item bad extension key", {"devices": [{"object_id": ALICE["id"], "extension_attributes": {"ea1": "x"}}]},
     "devices[0]: extension_attributes: unknown key"),
    ("bulk item a number", {"devices": [42]}, "devices[0] must be an object id or a dictionary"),
    ("bulk absent with properties", {"devices": [ALICE["id"]], "state": "absent", "account_enabled": False}, "state=absent"),
]


def test_bad_input_table(emulator, playbook):
    app = emulator.apps["automation"]
    replacements = {"@CERT@": app.cert_path, "@ENC@": app.cert_encrypted_path, "@CA@": emulator.ca_path}
    before = emulator.get_device(ALICE["id"])
    tasks = []
    for case, options, dummy in CASES:
        options = dict((k, replacements.get(v, v) if isinstance(v, str) else v) for k, v in options.items())
        tasks.append({"name": case, MODULE: options, "ignore_errors": True})
    run = playbook(tasks)
    assert [r["task"] for r in run.results] == [case[0] for case in CASES], run
    for (case, dummy, words), record in zip(CASES, run.results):
        assert record["status"] == "failed", (case, record)
        assert words in record["result"]["msg"], (case, record["result"]["msg"])
        assert "Traceback" not in record["result"]["msg"], (case, record["result"]["msg"])
    info = playbook([{"name": "page_size too big", INFO: {"page_size": 1000}, "ignore_errors": True},
                     {"name": "filter and name", INFO: {"filter": "x", "name": "y"}, "ignore_errors": True}])
    assert info.statuses == ["failed", "failed"], info
    assert "page_size must be between 1 and 999" in info.result(0)["msg"] and "mutually exclusive" in info.result(1)["msg"]
    # Not one request of any kind: no discovery, no token, no Graph call.
    assert emulator.requests == []
    assert emulator.get_device(ALICE["id"]) == before
    assert app.client_secret not in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
