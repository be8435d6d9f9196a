# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: authentication strategies, one small class per method."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import json

from ansible_collections.entra.devices.plugins.module_utils._errors import AuthError, EntraError, InputError

# Authority hosts MSAL knows; for any other host (a private cloud, a proxy, the emulator) instance discovery is
# switched off, or MSAL would first ask login.microsoftonline.com about it.
KNOWN_AUTHORITY_HOSTS = frozenset((
    "login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "sts.windows.net",
    "login.microsoftonline.us", "login.partner.microsoftonline.cn", "login.chinacloudapi.cn",
))


def _import_msal():
    try:
        import msal  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise AuthError("The Python library msal is required to get a token (pip install msal), "
                        "unless access_token is given.")
    return msal


def _raise_for_token_result(result, what):
    """MSAL returns 4xx answers as a dict; turn one into a sentence with the AADSTS code and ids."""
    if result and "access_token" in result:
        return result["access_token"]
    result = result or {}
    description = (result.get("error_description") or "no token was returned").split("\r\n")[0].split("\n")[0]
    details = dict((k, result[k]) for k in ("error", "error_codes", "correlation_id", "trace_id", "timestamp") if result.get(k))
    hint = ""
    codes = result.get("error_codes") or []
    if 7000215 in codes or 7000222 in codes:
        hint = " Check client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET): it is wrong or expired."
    elif 700016 in codes:
        hint = " Check client_id and tenant_id: the application is not registered in that tenant."
    elif 90002 in codes:
        hint = " Check tenant_id and cloud_environment/authority_host."
    elif 700027 in codes or 700023 in codes:
        hint = " The certificate in client_certificate_path is not the one registered on the application."
    elif 500011 in codes or 70011 in codes:
        hint = " The Graph resource of the selected cloud_environment is not available to this application."
    raise AuthError("Authentication failed while %s: %s.%s" % (what, description.rstrip("."), hint), **details)


def _call_msal(what, func, *args, **kwargs):
    """Run an MSAL call; its exceptions (network, 5xx, bad certificate) become an AuthError without a traceback."""
    try:
        return func(*args, **kwargs)
    except EntraError as exc:
        raise AuthError("Authentication failed while %s: %s" % (what, exc.msg), **exc.details)
    except ValueError as exc:
        # MSAL raises ValueError for unusable keys/certificates and bad authorities.
        raise AuthError("Authentication failed while %s: %s" % (what, _first_line(exc)))
    except Exception as exc:  # pylint: disable=broad-except
        raise AuthError("Authentication failed while %s: the identity platform answered with an error (%s: %s). "
                        "This is often temporary; try again later." % (what, exc.__class__.__name__, _first_line(exc)))


def _first_line(exc):
    return (str(exc) or exc.__class__.__name__).strip().splitlines()[0][:300]


class _ConfidentialClientCredential:
    """Client-credentials flow through msal.ConfidentialClientApplication (secret or certificate)."""

    what = "getting a token"

    def __init__(self, settings, transport):
        self.settings = settings
        self.transport = transport
        self._app = None
        self.expires_in = None

    def client_credential(self):
        raise NotImplementedError

    def _application(self):
        if self._app is None:
            msal = _import_msal()
            authority = "%s/%s" % (self.settings.authority_host, self.settings.tenant_id)
            kwargs = dict(client_credential=self.client_credential(), authority=authority, http_client=self.transport)
            if self.settings.authority_hostname not in KNOWN_AUTHORITY_HOSTS:
                kwargs["instance_discovery"] = False
            self._app = _call_msal("contacting %s for tenant %s" % (self.settings.authority_host, self.settings.tenant_id),
                                   msal.ConfidentialClientApplication, self.settings.client_id, **kwargs)
        return self._app

    def get_token(self, force_refresh=False):
        app = self._application()
        if force_refresh:
            # acquire_token_for_client has no force_refresh; dropping the cached access tokens has the same effect.
            cache = app.token_cache
            for item in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
                cache.remove_at(item)
        result = _call_msal(self.what, app.acquire_token_for_client, scopes=[self.settings.scope])
        token = _raise_for_token_result(result, self.what)
        self.expires_in = result.get("expires_in")
        return token


class ClientSecretCredential(_ConfidentialClientCredential):
    what = "getting a token with the client secret"

    def client_credential(self):
        return self.settings.client_secret


class ClientCertificateCredential(_ConfidentialClientCredential):
    what = "getting a token with the client certificate"

    def client_credential(self):
        return load_certificate_credential(self.settings.client_certificate_path, self.settings.client_certificate_password)


class AccessTokenCredential:
    """A token obtained elsewhere (delegated, or from another tool). It cannot be refreshed here."""

    def __init__(self, settings, transport=None):
        self.token = settings.access_token

    def get_token(self, force_refresh=False):
        if force_refresh:
            raise AuthError("Graph rejected the access_token (HTTP 401: expired, revoked or for another resource). "
                            "Get a fresh token for the cloud's Graph resource and run again.")
        return self.token


class ManagedIdentityCredential:
    """System-assigned identity, or the user-assigned one named by client_id."""

    def __init__(self, settings, transport):
        self.settings = settings
        self.transport = transport
        self._client = None
        self.expires_in = None

    def get_token(self, force_refresh=False):
        msal = _import_msal()
        if self._client is None or force_refresh:
            if self.settings.client_id:
                identity = msal.UserAssignedManagedIdentity(client_id=self.settings.client_id)
            else:
                identity = msal.SystemAssignedManagedIdentity()
            self._client = msal.ManagedIdentityClient(identity, http_client=self.transport)
        what = "getting a managed identity token"
        result = _call_msal(what, self._client.acquire_token_for_client, resource=self.settings.graph_resource)
        token = _raise_for_token_result(result, what)
        self.expires_in = result.get("expires_in")
        return token


CREDENTIALS = {
    "client_secret": ClientSecretCredential,
    "certificate": ClientCertificateCredential,
    "access_token": AccessTokenCredential,
    "managed_identity": ManagedIdentityCredential,
}


def build_credential(settings, transport):
    return CREDENTIALS[settings.auth_method](settings, transport)


def read_file(path, option):
    """The bytes of a file an option names; InputError (before any request) when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise InputError("%s %s cannot be read: %s." % (option, path, exc.strerror or exc))


def load_certificate_credential(path, password=None):
    """MSAL's client_credential from a PEM holding the private key and the certificate (SHA-256 thumbprint, PS256)."""
    pem = read_file(path, "client_certificate_path")
    text = pem.decode("ascii", "replace")
    begin = text.find("-----BEGIN CERTIFICATE-----")
    end = text.find("-----END CERTIFICATE-----", max(begin, 0))
    if "PRIVATE KEY-----" not in text or begin < 0 or end < 0:
        raise InputError("client_certificate_path %s must be a PEM file holding both the private key and the certificate." % path)
    end += len("-----END CERTIFICATE-----")
    _check_private_key(pem, password, path)
    credential = {"private_key": text, "public_certificate": text[begin:end]}
    if password:
        credential["passphrase"] = password
    return credential


def _check_private_key(pem, password, path):
    """Fail early, and clearly, on a wrong or missing certificate password."""
    try:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover - cryptography comes with msal
        return
    try:
        load_pem_private_key(pem, password=password.encode("utf-8") if password else None)
    except TypeError:
        if password:
            raise InputError("The private key in %s is not encrypted; remove client_certificate_password." % path)
        raise InputError("The private key in %s is encrypted; set client_certificate_password "
                         "(or AZURE_CLIENT_CERTIFICATE_PASSWORD)." % path)
    except ValueError:
        if password:
            raise InputError("client_certificate_password does not decrypt the private key in %s." % path)
        raise InputError("The private key in %s cannot be loaded (not a supported PEM key)." % path)


def token_claims(token):
    """The claims of a JWT access token, unverified (only to tell app-only from delegated callers). {} if opaque."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")).decode("utf-8"))
    except (IndexError, ValueError, TypeError, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def is_app_only(claims):
    """True for an application (client-credentials or managed identity) token, False for delegated, None if unknown."""
    if not claims:
        return None
    if claims.get("idtyp") == "app":
        return True
    if "scp" in claims:
        return False
    if "roles" in claims or claims.get("idtyp") == "user":
        return claims.get("idtyp") != "user"
    return None
