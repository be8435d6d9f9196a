"""The Emulator: wires the directory, identity service, faults and request log to an HTTPS server."""

import concurrent.futures
import ipaddress
import json
import os
import random
import re
import threading
import time
import traceback
import urllib.parse

from . import seed as seed_data
from .errors import AadError, DropConnection, GraphError, bad_request
from .faults import Fault, FaultSet
from .graph import GRAPH_CONTENT_TYPE, GraphDevices, batch_item_response, graph_error_response, parse_batch
from .identity import App, IdentityService, aad_error_response, new_client_secret
from .pki import CertificateAuthority, ClientCertificate
from .requestlog import RequestLog, parse_body
from .server import TLSServer
from .store import DeviceStore, project, ALL_PROPERTIES
from .wire import Response, json_response, new_guid

CLOUDS = {
    "AzureCloud": "https://graph.microsoft.com",
    "AzureUSGovernment": "https://graph.microsoft.us",
    "AzureUSGovernmentDoD": "https://dod-graph.microsoft.us",
    "AzureChinaCloud": "https://microsoftgraph.chinacloudapi.cn",
}

ROLE_NAMES = {
    "Global Administrator": seed_data.ROLE_GLOBAL_ADMINISTRATOR,
    "Intune Administrator": seed_data.ROLE_INTUNE_ADMINISTRATOR,
    "Cloud Device Administrator": seed_data.ROLE_CLOUD_DEVICE_ADMINISTRATOR,
    "Windows 365 Administrator": seed_data.ROLE_WINDOWS_365_ADMINISTRATOR,
}

_TENANT_PATH_RE = re.compile(r"^/(?P<tenant>[^/]+)/(?P<rest>.+)$")
_DEVICE_PATH_RE = re.compile(r"^/v1\.0/(?P<segment>devices(?:/[^/]+|\([^/]*\))?)/?$")
_BATCH_WORKERS = 8


def classify(path):
    """Which endpoint family a request path belongs to."""
    if path.startswith("/_emulator/"):
        return "admin"
    if path.startswith("/metadata/identity/"):
        return "imds"
    match = _TENANT_PATH_RE.match(path)
    if match and match.group("tenant") not in ("v1.0", "beta"):
        rest = match.group("rest")
        if rest.startswith("oauth2/"):
            return "token"
        if rest.startswith("v2.0/.well-known/") or rest.startswith(".well-known/") or rest.startswith("discovery/"):
            return "discovery"
    return "graph"


class Emulator:
    """A local Microsoft Graph + Entra ID emulator for device management tests. See README.md."""

    def __init__(self, workdir, host="127.0.0.1", port=0, latency_ms=0, seed=True, cloud_resource=CLOUDS["AzureCloud"],
                 verbose=False):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.host = host
        self.port = port
        self.tenant_id = seed_data.TENANT_ID
        self.graph_resource = cloud_resource.rstrip("/")
        self._seeded = seed
        self.verbose = verbose
        self._latency = latency_ms / 1000.0
        self._authority = CertificateAuthority(self.workdir)
        self.ca_path = self._authority.cert_path
        self.apps = self._register_apps()
        self.identity = IdentityService(self.tenant_id, self.graph_resource, self.apps)
        self.store = DeviceStore()
        self.devices = GraphDevices(self.store)
        self.faults = FaultSet()
        self.log = RequestLog()
        self._server = None
        self._thread = None
        self._batch_pool = None
        self.url = None
        self._load_seed()

    def _register_apps(self):
        apps = {}
        for name, spec in seed_data.APPS.items():
            app = App(name=name, client_id=spec["client_id"], object_id=spec["object_id"], roles=list(spec["roles"]),
                      kind=spec["kind"], resource_id=spec.get("resource_id"))
            if spec["secret"]:
                app.client_secret = new_client_secret()
            if spec["certificate"]:
                certificate = ClientCertificate(self.workdir, name)
                app.certificate = certificate
                app.cert_path = certificate.path
                app.cert_encrypted_path = certificate.encrypted_path
                app.cert_password = certificate.password
            apps[name] = app
        return apps

    def _load_seed(self):
        self.store.reset(seed_data.SEED_DEVICES.values() if self._seeded else ())

    # Lifecycle

    def start(self):
        hosts = [self.host, "127.0.0.1", "localhost", "::1"]
        cert_path = os.path.join(self.workdir, "server.pem")
        key_path = os.path.join(self.workdir, "server.key")
        self._authority.issue_server_certificate(cert_path, key_path, [h for h in hosts if h not in ("0.0.0.0", "::")])
        self._server = TLSServer((self.host, self.port), self, cert_path, key_path)
        self.port = self._server.server_address[1]
        url_host = "[%s]" % self.host if ":" in self.host else self.host
        if self.host in ("0.0.0.0", "::"):
            url_host = "127.0.0.1"
        self.url = "https://%s:%d" % (url_host, self.port)
        self._batch_pool = concurrent.futures.ThreadPoolExecutor(max_workers=_BATCH_WORKERS, thread_name_prefix="emulator-batch")
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="entra-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._batch_pool.shutdown(wait=False, cancel_futures=True)
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # Test-facing API

    @property
    def requests(self):
        return self.log.snapshot()

    def graph_requests(self):
        return self.log.snapshot(kinds=("graph", "batch-item"))

    def token_requests(self):
        return self.log.snapshot(kinds=("token", "imds"))

    def clear_log(self):
        self.log.clear()

    def reset(self):
        self._load_seed()
        self.faults.clear()
        self.log.clear()
        self._latency = 0.0

    def get_device(self, object_id):
        """The device as stored (all properties), ignoring visible_after; None when absent."""
        device = self.store.lookup(object_id=object_id, include_hidden=True)
        return project(device, ALL_PROPERTIES) if device else None

    def add_device(self, visible_after=0.0, **graph_props):
        return self.store.add(graph_props, visible_after=visible_after)

    def add_bulk_devices(self, n, prefix="bulk-", operating_system="Windows"):
        return self.store.add_bulk(n, prefix, operating_system)

    def add_fault(self, method="PATCH", path=r"^/v1\.0/devices/", status=429, retry_after="1.5", times=1, delay=0.0, drop=False,
                  code=None, kind="graph", message=None):
        return self.faults.add(Fault(method=method, path=path, status=status, retry_after=retry_after, times=times, delay=delay,
                                     drop=drop, code=code, kind=kind, message=message))

    def clear_faults(self):
        self.faults.clear()

    def set_latency(self, ms):
        self._latency = max(0.0, float(ms) / 1000.0)

    def mint_token(self, app="automation", delegated=False, wids=(), scp="Directory.AccessAsUser.All", expires_in=3599):
        role_ids = [ROLE_NAMES.get(role, role) for role in wids]
        return self.identity.issue(self.apps[app], delegated=delegated, wids=role_ids, scp=scp, expires_in=expires_in)

    def expire_tokens(self):
        self.identity.expire_tokens()

    def config(self):
        return {"url": self.url, "ca_path": self.ca_path, "tenant_id": self.tenant_id, "graph_resource": self.graph_resource,
                "authority": "%s/%s" % (self.url, self.tenant_id), "workdir": self.workdir,
                "apps": {name: app.public_config() for name, app in self.apps.items()}, "devices": seed_data.DEVICES}

    # Request handling (called from server threads)

    def handle(self, request, batch_id=None):
        """Answer one HTTP request or $batch item; raise DropConnection to close the connection instead."""
        kind = "batch-item" if batch_id else classify(request.path)
        record = self.log.open(request.method, request.path, request.query, request.headers,
                               parse_body(request.body, request.header("Content-Type")), kind, batch_id)
        request.record = record
        try:
            response = self._admin(request) if kind == "admin" else self._serve(request, kind)
        except DropConnection:
            record.dropped = True
            raise
        record.status = response.status
        return response

    def _serve(self, request, kind):
        record = request.record
        if kind in ("graph", "batch-item"):
            record.client_id = self.identity.unverified_client_id(request.header("Authorization"))
        elif kind == "token":
            form = record.body if isinstance(record.body, dict) else {}
            record.client_id = form.get("client_id")
        request_id = new_guid()
        client_request_id = request.header("client-request-id") or new_guid()
        if self._latency:
            time.sleep(self._latency)
        fault = self.faults.take(kind, request.method, request.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                raise DropConnection()
            if fault.status is not None:
                return self._fault_response(fault, kind, request_id, client_request_id, request.base_url)
        try:
            if kind == "token":
                response = self._token(request)
            elif kind == "discovery":
                response = self._discovery(request)
            elif kind == "imds":
                app, status, payload = self.identity.imds_token(request)
                record.client_id = app.client_id if app else request.query.get("client_id")
                response = json_response(status, payload)
            else:
                response = self._graph(request, kind, request_id, client_request_id)
        except GraphError as error:
            response = graph_error_response(error, request_id, client_request_id)
        except AadError as error:
            response = aad_error_response(error, client_request_id, request.base_url)
        except DropConnection:
            raise
        except Exception as error:  # pylint: disable=broad-exception-caught
            traceback.print_exc()
            response = graph_error_response(GraphError(500, "generalException", "Emulator error: %s" % type(error).__name__),
                                            request_id, client_request_id)
        if kind in ("graph", "batch-item"):
            response.headers.setdefault("request-id", request_id)
            response.headers.setdefault("client-request-id", client_request_id)
        return response

    @staticmethod
    def _fault_response(fault, kind, request_id, client_request_id, base_url):
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        if kind in ("graph", "batch-item"):
            message = fault.message or "Injected fault: %d %s." % (fault.status, fault.error_code)
            response = graph_error_response(GraphError(fault.status, fault.error_code, message, headers), request_id,
                                            client_request_id)
            response.headers.update({"request-id": request_id, "client-request-id": client_request_id})
            return response
        if kind == "imds":
            return json_response(fault.status, {"error": fault.code or "temporarily_unavailable",
                                                "error_description": fault.message or "Injected fault."}, headers)
        error = AadError(fault.status, fault.code or "temporarily_unavailable", 50196 if fault.status == 429 else 90033,
                         fault.message or "Injected fault: the service is temporarily unavailable.")
        response = aad_error_response(error, client_request_id, base_url)
        response.headers.update(headers)
        return response

    # Identity endpoints

    def _token(self, request):
        match = _TENANT_PATH_RE.match(request.path)
        if match.group("rest") not in ("oauth2/v2.0/token",):
            raise AadError(404, "invalid_request", 900561, "The endpoint %s is not emulated." % request.path)
        payload = self.identity.token(request, match.group("tenant"))
        return json_response(200, payload, {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache",
                                            "client-request-id": request.header("client-request-id") or new_guid(),
                                            "x-ms-request-id": new_guid()})

    def _discovery(self, request):
        match = _TENANT_PATH_RE.match(request.path)
        tenant, rest = match.group("tenant"), match.group("rest")
        if rest == "v2.0/.well-known/openid-configuration":
            return json_response(200, self.identity.discovery(request.base_url, tenant))
        if rest == "discovery/v2.0/keys":
            if not self.identity.known_tenant(tenant):
                return json_response(400, {"error": "invalid_tenant"})
            return json_response(200, {"keys": []})
        raise AadError(404, "invalid_request", 900561, "The endpoint %s is not emulated." % request.path)

    # Graph

    def _graph(self, request, kind, request_id, client_request_id):
        principal = self.identity.authenticate(request.header("Authorization"))
        if request.path.rstrip("/") == "/v1.0/$batch" and kind == "graph":
            if request.method != "POST":
                raise _method_not_allowed()
            return self._batch(request)
        match = _DEVICE_PATH_RE.match(request.path)
        if not match:
            segment = request.path.strip("/").split("/")
            if segment[0] != "v1.0":
                raise bad_request("Invalid version '%s'; the emulator serves Graph v1.0 only." % segment[0], code="BadRequest")
            raise bad_request("Resource not found for the segment '%s'." % (segment[1] if len(segment) > 1 else ""), code="BadRequest")
        segment = match.group("segment")
        if segment == "devices":
            if request.method != "GET":
                raise _method_not_allowed()
            return _graph_json(200, self.devices.list(request, principal), request_id, client_request_id)
        key = segment[len("devices/"):] if segment.startswith("devices/") else segment
        if request.method == "GET":
            return _graph_json(200, self.devices.get(request, principal, key), request_id, client_request_id)
        if request.method == "PATCH":
            self.devices.patch(request, principal, key)
            return Response(204)
        if request.method == "DELETE":
            self.devices.delete(request, principal, key)
            return Response(204)
        raise _method_not_allowed()

    def _batch(self, request):
        items = parse_batch(request)
        batch_id = str(request.record.seq)
        statuses = {}

        def run(item):
            for dependency in item["dependsOn"]:
                if statuses.get(dependency, 424) >= 400:
                    return batch_item_response(item["id"], json_response(424, {"error": {
                        "code": "FailedDependency", "message": "The request depends on request %s, which failed." % dependency}}))
            response = self.handle(item["request"], batch_id=batch_id)
            statuses[item["id"]] = response.status
            return batch_item_response(item["id"], response)

        if any(item["dependsOn"] for item in items):
            results = [run(item) for item in items]  # dependsOn means: in order, one after another
        else:
            results = list(self._batch_pool.map(run, items))
        random.shuffle(results)
        return json_response(200, {"responses": results}, {"Content-Type": GRAPH_CONTENT_TYPE})

    # Admin endpoints

    def _admin(self, request):
        if not ipaddress.ip_address(request.client_ip.split("%")[0]).is_loopback:
            return json_response(403, {"error": "admin endpoints answer loopback clients only"})
        action = request.path[len("/_emulator/"):].strip("/")
        try:
            body = json.loads(request.body) if request.body.strip() else {}
            return self._admin_action(request.method, action, body, request.query)
        except (ValueError, TypeError, KeyError) as error:
            return json_response(400, {"error": "%s: %s" % (type(error).__name__, error)})

    def _admin_action(self, method, action, body, query):
        # pylint: disable=too-many-return-statements
        if method == "GET" and action == "config":
            return json_response(200, self.config())
        if method == "GET" and action == "requests":
            since = int(query.get("since", 0))
            return json_response(200, [record.as_dict() for record in self.log.snapshot(since=since)])
        if method == "POST" and action in ("reset", "clear-log", "expire-tokens"):
            {"reset": self.reset, "clear-log": self.clear_log, "expire-tokens": self.expire_tokens}[action]()
            return json_response(200, {"ok": True})
        if action == "faults":
            if method == "POST":
                return json_response(201, self.add_fault(**body).as_dict())
            if method == "DELETE":
                self.clear_faults()
                return json_response(200, {"ok": True})
            if method == "GET":
                return json_response(200, self.faults.snapshot())
        if method == "POST" and action == "latency":
            self.set_latency(body["ms"])
            return json_response(200, {"ms": body["ms"]})
        if method == "POST" and action == "devices":
            if "bulk" in body:
                ids = self.add_bulk_devices(int(body["bulk"]), body.get("prefix", "bulk-"), body.get("operating_system", "Windows"))
                return json_response(201, {"ids": ids})
            return json_response(201, self.add_device(**body))
        if method == "GET" and action.startswith("devices/"):
            device = self.get_device(urllib.parse.unquote(action[len("devices/"):]))
            return json_response(200 if device else 404, device or {"error": "no such device"})
        if method == "POST" and action == "tokens":
            return json_response(200, {"access_token": self.mint_token(**body)})
        return json_response(404, {"error": "unknown admin endpoint %s %s" % (method, action)})


def _graph_json(status, payload, request_id, client_request_id):
    return json_response(status, payload, {"Content-Type": GRAPH_CONTENT_TYPE, "request-id": request_id,
                                           "client-request-id": client_request_id})


def _method_not_allowed():
    return GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
