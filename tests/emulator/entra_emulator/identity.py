"""Entra ID side of the emulator: apps, OIDC discovery, the v2.0 token endpoint, IMDS and Graph token validation."""

import base64
import hmac
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import jwt

from . import seed
from .errors import AadError, GraphError
from .wire import json_response, new_guid, utc_now

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GRAPH_READ_ROLES = {"Device.Read.All", "Device.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
GRAPH_WRITE_ROLES = {"Device.ReadWrite.All", "Directory.ReadWrite.All"}
MANAGED_IDENTITY_LIFETIME = 86399


@dataclass
class App:
    """A registered application or managed identity."""

    name: str
    client_id: str
    object_id: str
    roles: list
    kind: str
    client_secret: str = None
    cert_path: str = None
    cert_encrypted_path: str = None
    cert_password: str = None
    resource_id: str = None
    certificate: object = field(default=None, repr=False)

    def public_config(self):
        """The app as the admin config endpoint shows it (a test tool, so secrets included)."""
        config = {"client_id": self.client_id, "object_id": self.object_id, "roles": list(self.roles), "kind": self.kind,
                  "client_secret": self.client_secret, "cert_path": self.cert_path,
                  "cert_encrypted_path": self.cert_encrypted_path, "cert_password": self.cert_password,
                  "resource_id": self.resource_id}
        if self.certificate is not None:
            config["cert_thumbprint_sha1"] = self.certificate.sha1_thumbprint
            config["cert_thumbprint_sha256"] = self.certificate.sha256_thumbprint
        return config


@dataclass
class Principal:
    """Who called Graph, as read from a validated access token."""

    client_id: str
    app: App
    delegated: bool
    roles: frozenset
    scopes: frozenset
    wids: frozenset


def new_client_secret():
    """A secret shaped like Entra's (three characters, a digit, 'Q~', then 34 more)."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.~"
    body = "".join(secrets.choice(alphabet) for index in range(37))
    return "%s8Q~%s" % (body[:3], body[3:])


def _b64url_thumbprint(value):
    """Decode an x5t / x5t#S256 header value to an upper-case hex thumbprint."""
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).hex().upper()


class IdentityService:
    """Issues and validates tokens for one emulated tenant."""

    def __init__(self, tenant_id, graph_resource, apps):
        self.tenant_id = tenant_id
        self.graph_resource = graph_resource
        self.apps = apps
        self._apps_by_client_id = {app.client_id.lower(): app for app in apps.values()}
        self._signing_key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._issued = set()
        self._expired = set()

    # Issuing

    @property
    def issuer(self):
        return "https://sts.windows.net/%s/" % self.tenant_id

    def app_by_client_id(self, client_id):
        return self._apps_by_client_id.get((client_id or "").lower())

    def issue(self, app, delegated=False, wids=(), scp="Directory.AccessAsUser.All", expires_in=3599, appidacr="1",
              audience=None):
        now = int(time.time())
        uti = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")
        claims = {
            "aud": audience or self.graph_resource, "iss": self.issuer, "iat": now, "nbf": now, "exp": now + int(expires_in),
            "tid": self.tenant_id, "appid": app.client_id, "azp": app.client_id, "appidacr": appidacr, "azpacr": appidacr,
            "idp": self.issuer, "uti": uti, "ver": "1.0", "app_displayname": app.name,
        }
        if delegated:
            claims.update(oid=seed.DELEGATED_USER["oid"], sub=seed.DELEGATED_USER["oid"], upn=seed.DELEGATED_USER["upn"],
                          name=seed.DELEGATED_USER["name"], scp=scp, wids=list(wids), idtyp="user")
        else:
            claims.update(oid=app.object_id, sub=app.object_id, roles=list(app.roles), idtyp="app")
        with self._lock:
            self._issued.add(uti)
        return jwt.encode(claims, self._signing_key, algorithm="HS256", headers={"typ": "JWT"})

    def expire_tokens(self):
        with self._lock:
            self._expired |= self._issued
            self._issued = set()

    # Validating Graph calls

    def authenticate(self, authorization):
        """Validate a Graph Authorization header; return a Principal or raise GraphError 401."""
        scheme, dummy, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _unauthenticated("Access token is empty.")
        if token.count(".") != 2:
            raise _unauthenticated("IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE "
                                   "Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'.")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise _unauthenticated("IDX14100: JWT is not well formed. The token needs to be in JWS or JWE Compact "
                                   "Serialization Format.") from error
        if unverified.get("aud") not in self._accepted_audiences():
            raise _unauthenticated("Access token validation failure. Invalid audience.")
        try:
            claims = jwt.decode(token, self._signing_key, algorithms=["HS256"], audience=unverified.get("aud"),
                                issuer=self.issuer, options={"require": ["exp", "iat", "nbf", "aud", "iss"]})
        except jwt.ExpiredSignatureError as error:
            raise _unauthenticated("Lifetime validation failed, the token is expired.") from error
        except jwt.ImmatureSignatureError as error:
            raise _unauthenticated("Lifetime validation failed, the token is not yet valid.") from error
        except jwt.InvalidIssuerError as error:
            raise _unauthenticated("Access token validation failure. Invalid issuer.") from error
        except jwt.PyJWTError as error:
            # Graph gives this same answer for tokens signed by keys it does not know.
            raise _unauthenticated("Access token validation failure. Invalid audience.") from error
        with self._lock:
            expired = claims.get("uti") in self._expired
        if expired:
            raise _unauthenticated("Lifetime validation failed, the token is expired.")
        client_id = claims.get("appid", "")
        delegated = claims.get("idtyp") == "user" or "scp" in claims
        return Principal(client_id=client_id, app=self.app_by_client_id(client_id), delegated=delegated,
                         roles=frozenset(claims.get("roles") or ()), scopes=frozenset((claims.get("scp") or "").split()),
                         wids=frozenset(claims.get("wids") or ()))

    def _accepted_audiences(self):
        return (self.graph_resource, self.graph_resource + "/", seed.GRAPH_APP_ID)

    def unverified_client_id(self, authorization):
        """Best-effort appid of a bearer token, for the request log only."""
        token = (authorization or "").partition(" ")[2].strip()
        try:
            return jwt.decode(token, options={"verify_signature": False}).get("appid")
        except jwt.PyJWTError:
            return None

    # Discovery

    def known_tenant(self, tenant):
        return tenant.lower() == self.tenant_id

    def discovery(self, base_url, tenant):
        if not self.known_tenant(tenant):
            raise _tenant_not_found(tenant)
        root = "%s/%s" % (base_url, tenant)
        return {
            "token_endpoint": root + "/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": root + "/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": "%s/%s/v2.0" % (base_url, self.tenant_id),
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": base_url + "/oidc/userinfo",
            "authorization_endpoint": root + "/oauth2/v2.0/authorize",
            "device_authorization_endpoint": root + "/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": root + "/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver", "at_hash"],
            "kerberos_endpoint": root + "/kerberos",
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": urllib.parse.urlsplit(self.graph_resource).netloc,
            "rbac_url": "https://pas.windows.net",
        }

    # Token endpoint

    def token(self, request, tenant):
        """Handle POST /{tenant}/oauth2/v2.0/token for the client credentials grant; return the response body."""
        if request.method != "POST":
            raise AadError(400, "invalid_request", 900561,
                           "The endpoint only accepts POST, OPTIONS requests. Received a %s request." % request.method)
        if not self.known_tenant(tenant):
            raise _tenant_not_found(tenant)
        form = _parse_form(request.body)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise _missing_parameter("grant_type")
        if grant_type != "client_credentials":
            raise AadError(400, "unsupported_grant_type", 70003,
                           "The app requested an unsupported grant type '%s'." % grant_type)
        client_id = form.get("client_id")
        if not client_id:
            raise _missing_parameter("client_id")
        app = self.app_by_client_id(client_id)
        if app is None:
            raise AadError(400, "unauthorized_client", 700016,
                           "Application with identifier '%s' was not found in the directory '%s'. This can happen if the "
                           "application has not been installed by the administrator of the tenant or consented to by any user "
                           "in the tenant. You may have sent your authentication request to the wrong tenant." % (client_id, tenant))
        self._check_scope(form.get("scope"), tenant)
        if form.get("client_assertion") or form.get("client_assertion_type"):
            self._check_assertion(app, form, request, tenant)
            appidacr = "2"
        elif form.get("client_secret"):
            if not app.client_secret or not hmac.compare_digest(form["client_secret"].encode(), app.client_secret.encode()):
                raise AadError(401, "invalid_client", 7000215,
                               "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                               "value, not the client secret ID, for a secret added to app '%s'." % app.client_id)
            appidacr = "1"
        else:
            raise AadError(401, "invalid_client", 7000216,
                           "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
        token = self.issue(app, appidacr=appidacr)
        return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def _check_scope(self, scope, tenant):
        if not scope:
            raise AadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
        scopes = scope.split()
        wanted = {(self.graph_resource + "/.default").lower(), (seed.GRAPH_APP_ID + "/.default").lower()}
        if len(scopes) == 1 and scopes[0].lower() in wanted:
            return
        for item in scopes:
            if item.lower().endswith("/.default") and item.lower() not in wanted:
                raise AadError(400, "invalid_resource", 500011,
                               "The resource principal named %s was not found in the tenant named %s. This can happen if the "
                               "application has not been installed by the administrator of the tenant or consented to by any user "
                               "in the tenant. You might have sent your authentication request to the wrong tenant."
                               % (item[:-len("/.default")], tenant))
        raise AadError(400, "invalid_scope", 70011,
                       "The provided request must include a 'scope' input parameter. The provided value for the input parameter "
                       "'scope' is not valid. The scope %s is not valid. Client credential flows must have a scope value with "
                       "/.default suffixed to the resource identifier (application ID URI)." % scope)

    def _check_assertion(self, app, form, request, tenant):
        if form.get("client_assertion_type") != JWT_BEARER:
            raise AadError(400, "invalid_request", 900144,
                           "The request body must contain the following parameter: 'client_assertion_type' with the value '%s'."
                           % JWT_BEARER)
        assertion = form.get("client_assertion") or ""
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise AadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.") from error
        algorithm = header.get("alg")
        if header.get("x5t#S256"):
            presented, registered = header["x5t#S256"], app.certificate and app.certificate.sha256_thumbprint
        else:
            presented, registered = header.get("x5t") or "", app.certificate and app.certificate.sha1_thumbprint
        try:
            thumbprint = _b64url_thumbprint(presented)
        except ValueError:
            thumbprint = presented
        if not registered or thumbprint != registered:
            raise AadError(401, "invalid_client", 700027,
                           "The certificate with identifier used to sign the client assertion is not registered on application. "
                           "[Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure "
                           "Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]"
                           % (thumbprint, app.client_id))
        if algorithm not in ("RS256", "PS256"):
            raise AadError(401, "invalid_client", 700027,
                           "Client assertion contains an invalid signature. [Reason - The algorithm '%s' is not supported.]"
                           % algorithm)
        if claims.get("iss") != app.client_id or claims.get("sub") != app.client_id:
            raise AadError(401, "invalid_client", 700021,
                           "Client assertion application identifier doesn't match 'client_id' parameter.")
        audiences = self._token_endpoints(request, tenant)
        try:
            jwt.decode(assertion, app.certificate.public_key, algorithms=[algorithm], audience=audiences,
                       options={"require": ["exp", "aud", "iss", "sub"]}, leeway=60)
        except jwt.ExpiredSignatureError as error:
            raise AadError(401, "invalid_client", 700024, "Client assertion is not within its valid time range.") from error
        except jwt.InvalidAudienceError as error:
            raise AadError(401, "invalid_client", 700027,
                           "Client assertion failed signature validation. [Reason - The audience '%s' is not the token endpoint "
                           "of this tenant.]" % claims.get("aud")) from error
        except jwt.PyJWTError as error:
            raise AadError(401, "invalid_client", 700027,
                           "Client assertion contains an invalid signature. [Reason - Key was found, but use of the key to verify "
                           "the signature failed., Thumbprint of key used by client: '%s']" % thumbprint) from error

    @staticmethod
    def _token_endpoints(request, tenant):
        bases = {request.base_url}
        host = request.header("Host")
        if host:
            bases.add("https://" + host)
        return [base + path for base in bases for path in ("/%s/oauth2/v2.0/token" % tenant, "/%s/oauth2/token" % tenant)]

    # IMDS

    def imds_token(self, request):
        """Handle GET /metadata/identity/oauth2/token like Azure IMDS; return (app, status, body)."""
        if request.header("Metadata", "").lower() != "true":
            return None, 400, {"error": "invalid_request", "error_description": "Required metadata header not specified"}
        if not request.query.get("api-version"):
            return None, 400, {"error": "invalid_request", "error_description": "Required query variable 'api-version' is missing"}
        resource = request.query.get("resource")
        if not resource:
            return None, 400, {"error": "invalid_request", "error_description": "Required audience variable missing."}
        if resource.rstrip("/").lower() != self.graph_resource.lower() and resource.lower() != seed.GRAPH_APP_ID:
            return None, 400, {"error": "invalid_resource",
                               "error_description": "AADSTS500011: The resource principal named %s was not found in the tenant "
                                                    "named %s." % (resource, self.tenant_id)}
        app = self._managed_identity(request.query)
        if app is None:
            return None, 400, {"error": "invalid_request", "error_description": "Identity not found"}
        now = int(time.time())
        token = self.issue(app, expires_in=MANAGED_IDENTITY_LIFETIME, appidacr="2", audience=resource)
        return app, 200, {"access_token": token, "client_id": app.client_id, "expires_in": str(MANAGED_IDENTITY_LIFETIME),
                          "expires_on": str(now + MANAGED_IDENTITY_LIFETIME), "ext_expires_in": str(MANAGED_IDENTITY_LIFETIME),
                          "not_before": str(now), "resource": resource, "token_type": "Bearer"}

    def _managed_identity(self, query):
        selectors = {"client_id": "client_id", "object_id": "object_id", "msi_res_id": "resource_id", "mi_res_id": "resource_id"}
        for parameter, attribute in selectors.items():
            wanted = query.get(parameter)
            if wanted:
                for app in self.apps.values():
                    if app.kind == "user-assigned" and (getattr(app, attribute) or "").lower() == wanted.lower():
                        return app
                return None
        return next((app for app in self.apps.values() if app.kind == "system-assigned"), None)


def _parse_form(body):
    return dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


# Graph sends this challenge verbatim, naming the public cloud's authority whatever the client used.
WWW_AUTHENTICATE = ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                    'client_id="%s"' % seed.GRAPH_APP_ID)


def _unauthenticated(message):
    return GraphError(401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": WWW_AUTHENTICATE})


def _tenant_not_found(tenant):
    return AadError(400, "invalid_tenant", 90002,
                    "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct "
                    "cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for "
                    "the tenant." % tenant)


def _missing_parameter(name):
    return AadError(400, "invalid_request", 900144, "The request body must contain the following parameter: '%s'." % name)


def aad_error_body(error, correlation_id, base_url):
    """Entra ID's OAuth error JSON for an AadError."""
    now = utc_now()
    trace_id = new_guid()
    timestamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    description = "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s" % (
        error.aadsts, error.message, trace_id, correlation_id, timestamp)
    return {"error": error.error, "error_description": description, "error_codes": [error.aadsts], "timestamp": timestamp,
            "trace_id": trace_id, "correlation_id": correlation_id,
            "error_uri": "%s/error?code=%d" % (base_url, error.aadsts)}


def aad_error_response(error, correlation_id, base_url):
    return json_response(error.status, aad_error_body(error, correlation_id, base_url),
                         {"client-request-id": correlation_id, "x-ms-request-id": new_guid(), "Cache-Control": "no-store, no-cache"})
