"""Token acquisition with real MSAL over TLS: secrets, certificates, managed identity, discovery and AADSTS errors."""

import datetime
import json

import jwt
import msal
from msal.exceptions import MsalServiceError
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from entra_emulator import seed

SCOPE = ["https://graph.microsoft.com/.default"]


def confidential(emu, http, app="automation", credential=None):
    app_obj = emu.apps[app]
    return msal.ConfidentialClientApplication(app_obj.client_id, client_credential=credential or app_obj.client_secret,
                                              authority="%s/%s" % (emu.url, emu.tenant_id), instance_discovery=False,
                                              http_client=http)


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def read_pem(path):
    with open(path, encoding="ascii") as handle:
        return handle.read()


def test_discovery_document(emu, http):
    response = http.get("%s/%s/v2.0/.well-known/openid-configuration" % (emu.url, emu.tenant_id))
    assert response.status_code == 200
    document = response.json()
    assert document["token_endpoint"] == "%s/%s/oauth2/v2.0/token" % (emu.url, emu.tenant_id)
    assert document["authorization_endpoint"] == "%s/%s/oauth2/v2.0/authorize" % (emu.url, emu.tenant_id)
    assert document["issuer"] == "%s/%s/v2.0" % (emu.url, emu.tenant_id)
    assert [r.kind for r in emu.requests] == ["discovery"]


def test_unknown_tenant_is_aadsts90002(emu, http):
    response = http.get("%s/contoso.example/v2.0/.well-known/openid-configuration" % emu.url)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_tenant" and body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant 'contoso.example' not found.")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)


def test_client_secret_with_msal(emu, http):
    result = confidential(emu, http).acquire_token_for_client(scopes=SCOPE)
    assert result["token_type"] == "Bearer" and result["expires_in"] > 3000
    token_claims = claims(result["access_token"])
    app = emu.apps["automation"]
    assert token_claims["aud"] == "https://graph.microsoft.com"
    assert token_claims["iss"] == "https://sts.windows.net/%s/" % emu.tenant_id
    assert token_claims["appid"] == token_claims["azp"] == app.client_id
    assert token_claims["roles"] == ["Device.ReadWrite.All"] and token_claims["idtyp"] == "app"
    assert {"iat", "nbf", "exp", "uti", "oid", "tid"} <= set(token_claims)
    assert [(r.kind, r.method, r.status) for r in emu.requests] == [("discovery", "GET", 200), ("token", "POST", 200)]
    token_request = emu.token_requests()[0]
    assert token_request.client_id == app.client_id
    assert token_request.body["client_secret"] == "<redacted>"
    assert token_request.body["scope"] == SCOPE[0]


def test_wrong_secret_is_aadsts7000215(emu, http):
    result = confidential(emu, http, credential="not-the-secret").acquire_token_for_client(scopes=SCOPE)
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert "not-the-secret" not in json.dumps(result)
    assert emu.token_requests()[-1].status == 401


def test_unknown_client_is_aadsts700016(emu, http):
    app = msal.ConfidentialClientApplication("00000000-1111-4222-8333-444444444444", client_credential="x",
                                             authority="%s/%s" % (emu.url, emu.tenant_id), instance_discovery=False, http_client=http)
    result = app.acquire_token_for_client(scopes=SCOPE)
    assert result["error"] == "unauthorized_client" and result["error_codes"] == [700016]


@pytest.mark.parametrize("scope, error, code", [
    ("https://graph.microsoft.us/.default", "invalid_resource", 500011),
    ("https://graph.microsoft.com/Device.Read.All", "invalid_scope", 70011),
])
def test_scope_must_be_the_graph_default_scope(emu, http, scope, error, code):
    result = confidential(emu, http).acquire_token_for_client(scopes=[scope])
    assert result["error"] == error and result["error_codes"] == [code]


def test_other_cloud_resource(tmp_path, http):
    from entra_emulator import Emulator  # pylint: disable=import-outside-toplevel
    with Emulator(workdir=str(tmp_path), cloud_resource="https://graph.microsoft.us") as gov:
        http.ca_path = gov.ca_path
        app = gov.apps["automation"]
        client = msal.ConfidentialClientApplication(app.client_id, client_credential=app.client_secret,
                                                    authority="%s/%s" % (gov.url, gov.tenant_id), instance_discovery=False,
                                                    http_client=http)
        assert client.acquire_token_for_client(scopes=SCOPE)["error_codes"] == [500011]
        result = client.acquire_token_for_client(scopes=["https://graph.microsoft.us/.default"])
        assert claims(result["access_token"])["aud"] == "https://graph.microsoft.us"
        response = http.get(gov.url + "/v1.0/devices", headers={"Authorization": "Bearer " + result["access_token"]})
        assert response.status_code == 200


def test_certificate_sha1_thumbprint_rs256(emu, http):
    app = emu.apps["automation"]
    credential = {"private_key": read_pem(app.cert_path), "thumbprint": app.certificate.sha1_thumbprint}
    result = confidential(emu, http, credential=credential).acquire_token_for_client(scopes=SCOPE)
    assert "access_token" in result, result
    assert claims(result["access_token"])["appidacr"] == "2"
    body = emu.token_requests()[-1].body
    assert body["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert body["client_assertion"] == "<redacted>"


def test_certificate_sha256_thumbprint_ps256(emu, http):
    app = emu.apps["automation"]
    pem = read_pem(app.cert_path)
    credential = {"private_key": pem, "public_certificate": pem}
    result = confidential(emu, http, credential=credential).acquire_token_for_client(scopes=SCOPE)
    assert "access_token" in result, result


def test_encrypted_certificate_with_passphrase(emu, http):
    app = emu.apps["automation"]
    pem = read_pem(app.cert_encrypted_path)
    assert "ENCRYPTED PRIVATE KEY" in pem
    credential = {"private_key": pem, "public_certificate": pem, "passphrase": app.cert_password}
    result = confidential(emu, http, credential=credential).acquire_token_for_client(scopes=SCOPE)
    assert "access_token" in result, result


def _self_signed():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stranger")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem.decode(), cert


def test_unregistered_certificate_is_aadsts700027(emu, http):
    key_pem, cert = _self_signed()
    credential = {"private_key": key_pem, "thumbprint": cert.fingerprint(hashes.SHA1()).hex()}
    result = confidential(emu, http, credential=credential).acquire_token_for_client(scopes=SCOPE)
    assert result["error"] == "invalid_client" and result["error_codes"] == [700027]
    assert "not registered" in result["error_description"]


def test_registered_thumbprint_with_wrong_key_fails_signature(emu, http):
    key_pem = _self_signed()[0]
    credential = {"private_key": key_pem, "thumbprint": emu.apps["automation"].certificate.sha1_thumbprint}
    result = confidential(emu, http, credential=credential).acquire_token_for_client(scopes=SCOPE)
    assert result["error"] == "invalid_client" and result["error_codes"] == [700027]
    assert "invalid signature" in result["error_description"]


def test_system_assigned_managed_identity(emu, http, monkeypatch):
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", emu.url)
    client = msal.ManagedIdentityClient(msal.SystemAssignedManagedIdentity(), http_client=http)
    result = client.acquire_token_for_client(resource="https://graph.microsoft.com")
    assert "access_token" in result, result
    assert claims(result["access_token"])["appid"] == emu.apps["vm-identity"].client_id
    record = emu.token_requests()[-1]
    assert (record.kind, record.path, record.client_id) == ("imds", "/metadata/identity/oauth2/token", emu.apps["vm-identity"].client_id)
    response = http.get(emu.url + "/v1.0/devices", headers={"Authorization": "Bearer " + result["access_token"]})
    assert response.status_code == 200


def test_user_assigned_managed_identity(emu, http, monkeypatch):
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", emu.url)
    uami = emu.apps["uami"]
    client = msal.ManagedIdentityClient(msal.UserAssignedManagedIdentity(client_id=uami.client_id), http_client=http)
    result = client.acquire_token_for_client(resource="https://graph.microsoft.com")
    assert claims(result["access_token"])["appid"] == uami.client_id
    assert emu.token_requests()[-1].query["client_id"] == uami.client_id


def test_imds_requires_metadata_header_and_a_known_identity(emu, http):
    url = emu.url + "/metadata/identity/oauth2/token"
    params = {"api-version": "2018-02-01", "resource": "https://graph.microsoft.com"}
    assert http.get(url, params=params).status_code == 400
    unknown = http.get(url, params=dict(params, client_id="00000000-0000-4000-8000-000000000000"), headers={"Metadata": "true"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_request"


def test_delegated_token_claims(emu):
    token = emu.mint_token(delegated=True, wids=[seed.ROLE_INTUNE_ADMINISTRATOR, "Cloud Device Administrator"])
    token_claims = claims(token)
    assert token_claims["idtyp"] == "user" and token_claims["scp"] == "Directory.AccessAsUser.All"
    assert token_claims["wids"] == [seed.ROLE_INTUNE_ADMINISTRATOR, seed.ROLE_CLOUD_DEVICE_ADMINISTRATOR]
    assert "roles" not in token_claims


def test_token_fault_reaches_msal_as_service_error(emu, http):
    fault = emu.add_fault(method="POST", path="/oauth2/", status=503, retry_after="2", kind="token")
    with pytest.raises(MsalServiceError):
        confidential(emu, http).acquire_token_for_client(scopes=SCOPE)
    assert fault.hits == 1
