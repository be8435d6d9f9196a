# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication methods and environment fallbacks, with real MSAL token requests against the emulator."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from entra_emulator.seed import DEVICES

from helpers import writes

ALICE = DEVICES["WS-ALICE-01"]
MODULE = "entra.devices.azure_ad_device"


def tag(value, **options):
    options.setdefault("object_id", ALICE["id"])
    return [{"name": "tag", MODULE: dict(extension_attributes={"extensionAttribute1": value}, **options), "ignore_errors": True}]


def assert_tagged(emulator, value):
    assert emulator.get_device(ALICE["id"])["extensionAttributes"]["extensionAttribute1"] == value


def test_wrong_secret_names_the_aadsts_error_and_changes_nothing(emulator, playbook):
    run = playbook(tag("x"), defaults={"client_secret": "not-the-secret"})
    assert run.statuses == ["failed"], run
    msg = run.result()["msg"]
    assert "AADSTS7000215" in msg and "client_secret" in msg, msg
    assert "not-the-secret" not in run.stdout + run.stderr
    assert [r.kind for r in emulator.requests if r.kind != "admin"] == ["discovery", "token"]
    assert emulator.graph_requests() == []
    assert_tagged(emulator, None)


def test_certificate(emulator, playbook):
    app = emulator.apps["automation"]
    run = playbook(tag("cert"), defaults={"client_secret": None, "client_certificate_path": app.cert_path})
    assert run.statuses == ["changed"], run
    token_request = emulator.token_requests()[-1]
    assert token_request.body["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert "client_secret" not in token_request.body
    assert_tagged(emulator, "cert")


def test_encrypted_certificate_with_password_from_the_environment(emulator, playbook):
    app = emulator.apps["automation"]
    run = playbook(tag("encrypted"), defaults={"client_secret": None},
                   env={"AZURE_CLIENT_CERTIFICATE_PATH": app.cert_encrypted_path,
                        "AZURE_CLIENT_CERTIFICATE_PASSWORD": app.cert_password})
    assert run.statuses == ["changed"], run
    assert app.cert_password not in run.stdout + run.stderr
    assert_tagged(emulator, "encrypted")


def test_awx_azure_credential_environment(emulator, playbook):
    """Exactly what AWX's built-in Azure Resource Manager credential injects; no subscription is needed by Graph."""
    app = emulator.apps["automation"]
    run = playbook(tag("awx"), use_auth=False,
                   defaults={"authority_host": emulator.url, "graph_endpoint": emulator.url, "ca_path": emulator.ca_path},
                   env={"AZURE_CLIENT_ID": app.client_id, "AZURE_SECRET": app.client_secret, "AZURE_TENANT": emulator.tenant_id,
                        "AZURE_SUBSCRIPTION_ID": "00000000-0000-4000-8000-000000000001", "AZURE_CLOUD_ENVIRONMENT": "AzureCloud"})
    assert run.statuses == ["changed"], run
    assert_tagged(emulator, "awx")


def test_azure_identity_names_win_over_awx_names(emulator, playbook):
    app = emulator.apps["automation"]
    run = playbook(tag("identity"), use_auth=False,
                   defaults={"graph_endpoint": emulator.url, "ca_path": emulator.ca_path},
                   env={"AZURE_CLIENT_ID": app.client_id, "AZURE_CLIENT_SECRET": app.client_secret, "AZURE_SECRET": "stale",
                        "AZURE_TENANT_ID": emulator.tenant_id, "AZURE_TENANT": "contoso.example", "AZURE_AUTHORITY_HOST": emulator.url})
    assert run.statuses == ["changed"], run
    assert_tagged(emulator, "identity")


def test_ca_path_wins_over_requests_ca_bundle(emulator, playbook):
    system_bundle = "/etc/ssl/certs/ca-certificates.crt"
    run = playbook(tag("ca"), env={"REQUESTS_CA_BUNDLE": system_bundle, "CURL_CA_BUNDLE": system_bundle})
    assert run.statuses == ["changed"], run
    assert_tagged(emulator, "ca")


def test_without_ca_path_tls_verification_fails_clearly(emulator, playbook):
    system_bundle = "/etc/ssl/certs/ca-certificates.crt"
    run = playbook(tag("no-ca"), defaults={"ca_path": None, "max_retries": 0},
                   env={"REQUESTS_CA_BUNDLE": system_bundle, "CURL_CA_BUNDLE": system_bundle})
    assert run.statuses == ["failed"], run
    assert "TLS verification failed" in run.result()["msg"] and "ca_path" in run.result()["msg"]
    assert "Traceback" not in run.stdout
    assert emulator.requests == []
    assert_tagged(emulator, None)


def test_scope_is_the_clouds_graph_resource_even_when_requests_go_elsewhere(emulator, playbook):
    run = playbook(tag("gov"), defaults={"cloud_environment": "AzureUSGovernment"})
    assert run.statuses == ["failed"], run
    token_request = emulator.token_requests()[-1]
    assert token_request.body["scope"] == "https://graph.microsoft.us/.default"
    assert "AADSTS500011" in run.result()["msg"] or "AADSTS70011" in run.result()["msg"], run.result()["msg"]
    assert emulator.graph_requests() == []


def test_managed_identity_system_and_user_assigned(emulator, playbook):
    env = {"AZURE_POD_IDENTITY_AUTHORITY_HOST": emulator.url}
    run = playbook(tag("system-mi", auth_method="managed_identity"), use_auth=False,
                   defaults={"graph_endpoint": emulator.url, "ca_path": emulator.ca_path}, env=env)
    assert run.statuses == ["changed"], run
    assert [r.kind for r in emulator.token_requests()] == ["imds"]
    assert_tagged(emulator, "system-mi")
    run = playbook(tag("user-mi", managed_identity_client_id=emulator.apps["uami"].client_id), use_auth=False,
                   defaults={"graph_endpoint": emulator.url, "ca_path": emulator.ca_path}, env=env)
    assert run.statuses == ["changed"], run
    assert emulator.token_requests()[-1].query.get("client_id") == emulator.apps["uami"].client_id
    assert_tagged(emulator, "user-mi")


def test_expired_access_token_is_explained(emulator, playbook):
    token = emulator.mint_token(app="automation")
    emulator.expire_tokens()
    run = playbook(tag("expired"), defaults={"access_token": token})
    assert run.statuses == ["failed"], run
    assert "Get a fresh token" in run.result()["msg"]
    assert token not in run.stdout + run.stderr
    assert writes(emulator.graph_requests()) == []
