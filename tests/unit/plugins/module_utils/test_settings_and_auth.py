# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings resolution (auth method, clouds, endpoints) and the auth helpers that need no network."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.entra.devices.plugins.module_utils._auth import (
    _raise_for_token_result, is_app_only, load_certificate_credential, token_claims,
)
from ansible_collections.entra.devices.plugins.module_utils._common import Settings, graph_argument_spec
from ansible_collections.entra.devices.plugins.module_utils._errors import AuthError, InputError

TENANT = "8f1f6b3e-2c4d-4e5f-9a0b-1c2d3e4f5a6b"
CLIENT = "a0000001-0000-4000-8000-00000000a001"


def params(**given):
    spec = graph_argument_spec()
    values = dict((name, option.get("default")) for name, option in spec.items())
    values.update(tenant_id=TENANT, client_id=CLIENT, client_secret="s")
    values.update(given)
    return values


def test_defaults_are_the_global_cloud():
    settings = Settings(params())
    assert settings.auth_method == "client_secret"
    assert settings.authority_host == "https://login.microsoftonline.com"
    assert settings.graph_endpoint == "https://graph.microsoft.com" and settings.scope == "https://graph.microsoft.com/.default"


@pytest.mark.parametrize("cloud, authority, scope", [
    ("AzureUSGovernment", "https://login.microsoftonline.us", "https://graph.microsoft.us/.default"),
    ("AzureUSGovernmentDoD", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us/.default"),
    ("AzureChinaCloud", "https://login.partner.microsoftonline.cn", "https://microsoftgraph.chinacloudapi.cn/.default"),
])
def test_national_clouds(cloud, authority, scope):
    settings = Settings(params(cloud_environment=cloud))
    assert (settings.authority_host, settings.scope) == (authority, scope)


def test_endpoint_overrides_keep_the_clouds_scope():
    settings = Settings(params(graph_endpoint="https://127.0.0.1:8443/", authority_host="login.example.test"))
    assert settings.graph_endpoint == "https://127.0.0.1:8443" and settings.authority_host == "https://login.example.test"
    assert settings.scope == "https://graph.microsoft.com/.default"


@pytest.mark.parametrize("given, method", [
    ({"access_token": "t"}, "access_token"),
    ({"client_secret": None, "client_certificate_path": "/x.pem"}, "certificate"),
    ({"client_secret": None, "managed_identity_client_id": CLIENT}, "managed_identity"),
    ({"client_secret": "s", "client_certificate_path": "/x.pem", "auth_method": "certificate"}, "certificate"),
])
def test_auto_picks_from_what_is_given(given, method):
    assert Settings(params(**given)).auth_method == method


@pytest.mark.parametrize("given, words", [
    ({"client_certificate_path": "/x.pem"}, "choose one"),
    ({"client_secret": None}, "No credentials given"),
    ({"tenant_id": None}, "needs tenant_id (or AZURE_TENANT_ID / AZURE_TENANT)"),
    ({"graph_endpoint": "http://graph.example.test"}, "graph_endpoint must be an https:// URL"),
    ({"auth_method": "certificate"}, "needs client_certificate_path"),
])
def test_conflicts_and_gaps(given, words):
    with pytest.raises(InputError) as caught:
        Settings(params(**given))
    assert words in caught.value.msg


def test_token_claims_tell_app_from_delegated():
    def jwt(payload):
        import base64
        import json
        return "h." + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=") + ".s"
    assert is_app_only(token_claims(jwt({"idtyp": "app", "roles": ["Device.ReadWrite.All"]}))) is True
    assert is_app_only(token_claims(jwt({"scp": "Directory.AccessAsUser.All"}))) is False
    assert is_app_only(token_claims("opaque-token")) is None


def test_aadsts_errors_become_sentences_with_a_hint():
    with pytest.raises(AuthError) as caught:
        _raise_for_token_result({"error": "invalid_client", "error_codes": [7000215], "correlation_id": "c-1",
                                 "error_description": "AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: x"}, "getting a token")
    assert "AADSTS7000215: Invalid client secret provided" in caught.value.msg and "Check client_secret" in caught.value.msg
    assert caught.value.details["correlation_id"] == "c-1"


@pytest.mark.parametrize("content", ["-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
                                     "-----BEGIN PRIVATE KEY-----\nabc\n-----BEGIN CERTIFICATE-----\ntruncated"])
def test_certificate_files_must_hold_key_and_whole_certificate(tmp_path, content):
    path = tmp_path / "cert.pem"
    path.write_text(content)
    with pytest.raises(InputError, match="must be a PEM file holding both"):
        load_certificate_credential(str(path))
