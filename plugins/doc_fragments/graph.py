# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """Authentication and endpoint options shared by every module of entra.devices."""

    DOCUMENTATION = r'''
options:
  auth_method:
    description:
      - How to get the access token for Microsoft Graph.
      - V(auto) picks from what is given, O(access_token) first, then O(client_secret) or O(client_certificate_path)
        (giving both is an error), then managed identity if O(managed_identity_client_id) is set.
        It fails before any request, saying what is missing or conflicting.
      - V(client_secret) and V(certificate) use the OAuth 2.0 client-credentials flow of an application registration
        and need O(tenant_id) and O(client_id).
      - V(access_token) uses O(access_token) as it is, for example a delegated token obtained elsewhere.
      - V(managed_identity) uses the Azure managed identity of the machine running the module, system-assigned,
        or user-assigned when O(managed_identity_client_id) is set.
    type: str
    default: auto
    choices: [auto, client_secret, certificate, access_token, managed_identity]
  tenant_id:
    description:
      - The directory (tenant) id, or a verified domain of the tenant.
      - If not set, the environment variable E(AZURE_TENANT_ID) is used, then E(AZURE_TENANT) (set by the AWX Azure credential).
    type: str
  client_id:
    description:
      - The application (client) id of the app registration, a GUID.
      - If not set, the environment variable E(AZURE_CLIENT_ID) is used.
    type: str
  client_secret:
    description:
      - A client secret of the application.
      - If not set, the environment variable E(AZURE_CLIENT_SECRET) is used, then E(AZURE_SECRET) (set by the AWX Azure credential).
    type: str
  client_certificate_path:
    description:
      - Path of a PEM file holding the application certificate's private key and the certificate itself.
      - The certificate must be uploaded to the app registration. The SHA-256 thumbprint is sent (PS256).
      - If not set, the environment variable E(AZURE_CLIENT_CERTIFICATE_PATH) is used.
    type: path
  client_certificate_password:
    description:
      - The password of an encrypted private key in O(client_certificate_path).
      - If not set, the environment variable E(AZURE_CLIENT_CERTIFICATE_PASSWORD) is used.
    type: str
  access_token:
    description:
      - A bearer token for Microsoft Graph obtained elsewhere (for example a delegated token of an Intune Administrator).
      - Its audience must be the Graph resource of O(cloud_environment). It is never refreshed by the module.
    type: str
  managed_identity_client_id:
    description:
      - The client id of a user-assigned managed identity. Implies O(auth_method=managed_identity) when O(auth_method=auto).
      - Leave unset with O(auth_method=managed_identity) to use the system-assigned identity.
    type: str
  subscription_id:
    description:
      - Accepted and ignored, so that credentials and defaults written for azure.azcollection work unchanged.
        Microsoft Graph needs no subscription.
      - If not set, the environment variable E(AZURE_SUBSCRIPTION_ID) is used.
    type: str
  cloud_environment:
    description:
      - The national cloud. It sets the default O(authority_host), O(graph_endpoint) and the token scope
        (the cloud's Graph resource followed by C(/.default)).
      - V(AzureUSGovernment) is GCC High (L4, C(graph.microsoft.us)); V(AzureUSGovernmentDoD) is DoD (L5, C(dod-graph.microsoft.us)).
      - If not set, the environment variable E(AZURE_CLOUD_ENVIRONMENT) is used (set by the AWX Azure credential).
    type: str
    default: AzureCloud
    choices: [AzureCloud, AzureUSGovernment, AzureUSGovernmentDoD, AzureChinaCloud]
  authority_host:
    description:
      - The Entra ID authority to get tokens from, for example V(https://login.microsoftonline.us). Must be https.
        A bare host name gets C(https://) in front.
      - Defaults to the authority of O(cloud_environment).
      - If not set, the environment variable E(AZURE_AUTHORITY_HOST) is used.
    type: str
  graph_endpoint:
    description:
      - Where Graph requests go, for example a proxy or the collection's emulator. Must be https.
      - Defaults to the Graph root of O(cloud_environment). The token scope stays the cloud's Graph resource.
    type: str
  ca_path:
    description:
      - A PEM bundle of CA certificates to verify the authority and Graph TLS certificates with.
      - It wins over E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE).
    type: path
  validate_certs:
    description:
      - Verify TLS certificates. Set to V(false) only for tests.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: int
    default: 30
  max_retries:
    description:
      - How many times a request is retried after throttling (HTTP 429), a transient error (500, 502, 503, 504)
        or a network failure. Waits follow C(Retry-After) when sent, otherwise exponential backoff with jitter.
    type: int
    default: 5
  max_retry_wait:
    description:
      - The longest single wait between retries, in seconds.
      - A request that keeps failing is given up after O(max_retries) retries, so its waits add up to at most
        O(max_retries) x O(max_retry_wait) seconds, and never more than 300 seconds. The task then fails with a message
        that names the throttling or outage, Graph's error code and the request-id.
    type: float
    default: 60
  token_cache_path:
    description:
      - Opt-in. A file where access tokens are kept between tasks, so that a loop of tasks on one host fetches one
        token (and one discovery document) per play instead of one per task. Parallel forks share it safely.
      - The file is written with mode C(0600) in a C(0700) directory, replaced atomically, and keyed by cloud, tenant,
        client and a hash of the credential; expired entries are dropped.
      - B(Security trade-off:) the file holds bearer tokens valid for up to about an hour. Anyone who can read it can
        call Graph with the application's permissions until they expire. Put it on a private, local, ideally
        ephemeral path (for example inside the job's private directory in AWX) and never in a shared or synced folder.
      - Not used with O(access_token).
      - If not set, the environment variable E(ENTRA_DEVICES_TOKEN_CACHE) is used.
    type: path
requirements:
  - python >= 3.9
  - msal >= 1.28.0 (not needed with O(access_token))
  - requests >= 2.25.0
notes:
  - Application permissions needed on Microsoft Graph, with admin consent, are C(Device.Read.All) to read,
    C(Device.ReadWrite.All) to change or delete devices.
  - Secrets are never logged, returned or shown in diffs.
  - When the task runs on the controller (connection C(local), no C(become), no task C(environment), and the controller's
    own Python or an automatically discovered one), the collection's action plugin runs the module's code in the
    controller process instead of starting a Python process per task and per loop item. Loop items then share the
    imports and the access token. Results, check mode, diff and errors are the same.
    Set E(ENTRA_DEVICES_CONTROLLER_EXECUTION=false) to always run a module process.
'''
