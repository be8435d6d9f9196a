# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: the shared options, cloud table, settings and module boundary."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ansible_collections.entra.devices.plugins.module_utils._auth import build_credential, token_claims, is_app_only
from ansible_collections.entra.devices.plugins.module_utils._device import GUID_RE
from ansible_collections.entra.devices.plugins.module_utils._errors import EntraError, InputError
from ansible_collections.entra.devices.plugins.module_utils._token_cache import CachedCredential, PROCESS_TOKENS, TokenCacheFile, cache_key
from ansible_collections.entra.devices.plugins.module_utils._graph import (
    GraphClient, HttpTransport, RetryPolicy, HAS_REQUESTS, REQUESTS_IMPORT_ERROR,
)

COLLECTION_VERSION = "1.0.0"

# cloud_environment -> (authority host, Graph root). The token scope is always the cloud's Graph root,
# even when graph_endpoint sends the requests elsewhere (a proxy, the emulator).
CLOUDS = {
    "AzureCloud": ("https://login.microsoftonline.com", "https://graph.microsoft.com"),
    "AzureUSGovernment": ("https://login.microsoftonline.us", "https://graph.microsoft.us"),
    "AzureUSGovernmentDoD": ("https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    "AzureChinaCloud": ("https://login.partner.microsoftonline.cn", "https://microsoftgraph.chinacloudapi.cn"),
}

AUTH_METHODS = ("auto", "client_secret", "certificate", "access_token", "managed_identity")

TENANT_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})+$")


def graph_argument_spec():
    """Authentication and endpoint options shared by every module (and so by module_defaults group/entra.devices.graph)."""
    return dict(
        auth_method=dict(type="str", default="auto", choices=list(AUTH_METHODS)),
        tenant_id=dict(type="str", fallback=(env_fallback, ["AZURE_TENANT_ID", "AZURE_TENANT"])),
        client_id=dict(type="str", fallback=(env_fallback, ["AZURE_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_CLIENT_SECRET", "AZURE_SECRET"])),
        client_certificate_path=dict(type="path", fallback=(env_fallback, ["AZURE_CLIENT_CERTIFICATE_PATH"])),
        client_certificate_password=dict(type="str", no_log=True,
                                         fallback=(env_fallback, ["AZURE_CLIENT_CERTIFICATE_PASSWORD"])),
        access_token=dict(type="str", no_log=True),
        managed_identity_client_id=dict(type="str"),
        subscription_id=dict(type="str", fallback=(env_fallback, ["AZURE_SUBSCRIPTION_ID"])),
        cloud_environment=dict(type="str", default="AzureCloud", choices=sorted(CLOUDS),
                               fallback=(env_fallback, ["AZURE_CLOUD_ENVIRONMENT"])),
        authority_host=dict(type="str", fallback=(env_fallback, ["AZURE_AUTHORITY_HOST"])),
        graph_endpoint=dict(type="str"),
        ca_path=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
        max_retries=dict(type="int", default=5),
        max_retry_wait=dict(type="float", default=60.0),
        token_cache_path=dict(type="path", fallback=(env_fallback, ["ENTRA_DEVICES_TOKEN_CACHE"])),
    )


class Settings:
    """Everything needed to authenticate and reach Graph, validated before any request is sent."""

    def __init__(self, params):
        self.cloud_environment = params["cloud_environment"]
        default_authority, self.graph_resource = CLOUDS[self.cloud_environment]
        self.authority_host = _https_url("authority_host", params.get("authority_host") or default_authority)
        self.authority_hostname = self.authority_host.split("://", 1)[1].split("/")[0].split(":")[0].lower()
        self.graph_endpoint = _https_url("graph_endpoint", params.get("graph_endpoint") or self.graph_resource)
        self.scope = self.graph_resource + "/.default"
        self.tenant_id = params.get("tenant_id")
        self.client_id = params.get("client_id")
        self.client_secret = params.get("client_secret")
        self.client_certificate_path = params.get("client_certificate_path")
        self.client_certificate_password = params.get("client_certificate_password")
        self.access_token = params.get("access_token")
        self.verify = _verify(params)
        self.timeout = params["timeout"]
        self.max_retries = params["max_retries"]
        self.max_retry_wait = params["max_retry_wait"]
        self.token_cache_path = params.get("token_cache_path")
        if self.timeout is None or self.timeout <= 0:
            raise InputError("timeout must be a positive number of seconds, got %s." % self.timeout)
        if self.max_retries < 0 or self.max_retries > 20:
            raise InputError("max_retries must be between 0 and 20, got %s." % self.max_retries)
        if not 0 < self.max_retry_wait <= 600:
            raise InputError("max_retry_wait must be more than 0 and at most 600 seconds, got %s." % self.max_retry_wait)
        self.auth_method = self._pick_auth_method(params)
        if self.auth_method == "managed_identity":
            self.client_id = params.get("managed_identity_client_id")
        self._check_identifiers()

    def _pick_auth_method(self, params):
        method = params["auth_method"]
        given = [name for name, value in (("client_secret", self.client_secret),
                                          ("certificate", self.client_certificate_path),
                                          ("access_token", self.access_token)) if value]
        if method == "auto":
            if self.access_token:
                # A token handed over explicitly wins over credentials the environment may also carry.
                return "access_token"
            if len(given) > 1:
                raise InputError("Both client_secret and client_certificate_path are set (from the task or from "
                                 "AZURE_CLIENT_SECRET / AZURE_SECRET / AZURE_CLIENT_CERTIFICATE_PATH); "
                                 "choose one with auth_method=client_secret or auth_method=certificate.")
            if given:
                return given[0]
            if params.get("managed_identity_client_id"):
                return "managed_identity"
            raise InputError("No credentials given. Set client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET), "
                             "client_certificate_path (or AZURE_CLIENT_CERTIFICATE_PATH), access_token, "
                             "or auth_method=managed_identity; tenant_id and client_id go with the first two.")
        if method == "client_secret" and not self.client_secret:
            raise InputError("auth_method=client_secret needs client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET).")
        if method == "certificate" and not self.client_certificate_path:
            raise InputError("auth_method=certificate needs client_certificate_path (or AZURE_CLIENT_CERTIFICATE_PATH).")
        if method == "access_token" and not self.access_token:
            raise InputError("auth_method=access_token needs access_token.")
        return method

    def _check_identifiers(self):
        if self.auth_method not in ("client_secret", "certificate"):
            return
        missing = [name for name, value in (("tenant_id", self.tenant_id), ("client_id", self.client_id)) if not value]
        if missing:
            raise InputError("auth_method=%s needs %s (or %s)." % (
                self.auth_method, " and ".join(missing),
                " / ".join({"tenant_id": "AZURE_TENANT_ID / AZURE_TENANT", "client_id": "AZURE_CLIENT_ID"}[m] for m in missing)))
        if not GUID_RE.match(self.client_id):
            raise InputError("client_id must be the application (client) id, a GUID; got %r." % self.client_id)
        if not (GUID_RE.match(self.tenant_id) or TENANT_RE.match(self.tenant_id)):
            raise InputError("tenant_id must be the directory (tenant) id GUID or a verified domain; got %r." % self.tenant_id)


def _https_url(name, value):
    value = value.strip().rstrip("/")
    if "://" not in value:
        value = "https://" + value  # AZURE_AUTHORITY_HOST is often given as a bare host name
    if not value.lower().startswith("https://") or len(value) <= len("https://"):
        raise InputError("%s must be an https:// URL, got %r." % (name, value))
    return value


def _verify(params):
    if not params["validate_certs"]:
        return False
    ca_path = params.get("ca_path")
    if ca_path:
        try:
            with open(ca_path, "rb") as handle:
                head = handle.read(4096)
        except (IOError, OSError) as exc:
            raise InputError("ca_path %s cannot be read: %s." % (ca_path, exc.strerror or exc))
        if b"-----BEGIN CERTIFICATE-----" not in head:
            raise InputError("ca_path %s is not a PEM file of CA certificates." % ca_path)
        return ca_path
    return True


class GraphSession:
    """The transport, credential and Graph client of one module run."""

    def __init__(self, settings, on_retry=None):
        self.settings = settings
        policy = RetryPolicy(max_retries=settings.max_retries, max_wait=settings.max_retry_wait)
        self.transport = HttpTransport(verify=settings.verify, timeout=settings.timeout, retry_policy=policy,
                                       on_retry=on_retry,
                                       user_agent="entra.devices/%s ansible-core/%s" % (COLLECTION_VERSION, ANSIBLE_VERSION))
        self.credential = build_credential(settings, self.transport)
        if settings.auth_method != "access_token":
            # Tokens are reused within this process (loop items run in one process on the controller), and across
            # processes through the opt-in cache file.
            store = TokenCacheFile(settings.token_cache_path) if settings.token_cache_path else PROCESS_TOKENS
            self.credential = CachedCredential(self.credential, store, cache_key(settings))
        self.client = GraphClient(self.transport, settings.graph_endpoint, self)
        self._token = None

    def get_token(self, force_refresh=False):
        if self._token is None or force_refresh:
            self._token = self.credential.get_token(force_refresh=force_refresh)
        return self._token

    def caller_is_app_only(self):
        """From the token's claims: True (application), False (delegated) or None (opaque token)."""
        return is_app_only(token_claims(self.get_token()))

    def close(self):
        self.transport.close()


def check_libraries(module):
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))


def run_task(module, task):
    """Open a Graph session and run ``task(module, session)``. Returns (result, None) or (None, failure).

    The one place an expected failure becomes a failed result: a sentence, Graph's code and ids, no traceback.
    What the error carries (for example bulk results with the devices that did change) wins over the defaults.
    ``module`` is an AnsibleModule, or the controller-side stand-in of the action plugins.
    """
    session = None
    error = None
    try:
        session = GraphSession(Settings(module.params), on_retry=module.warn)
        result = task(module, session)
    except EntraError as exc:
        error = exc
    finally:
        if session is not None:
            session.close()
    if error is None:
        return result, None
    failure = {"changed": False}
    if session is not None:
        failure["graph_requests"] = session.client.requests_sent
    failure.update(error.details)
    failure["msg"] = error.msg
    return None, failure


def run_module(module, task):
    """Run the task in a module process and exit once."""
    check_libraries(module)
    result, failure = run_task(module, task)
    if failure is not None:
        # Outside any except block: fail_json would otherwise attach the traceback of an expected failure.
        module.fail_json(**failure)
    module.exit_json(**result)
