"""Microsoft Graph v1.0 device endpoints, permission rules and $batch parsing."""

import base64
import json
import re
import urllib.parse

from . import seed
from .errors import GraphError, access_denied, bad_request, unsupported_query
from .identity import GRAPH_READ_ROLES, GRAPH_WRITE_ROLES
from .odata import GUID_RE, compile_filter, compile_search, parse_select
from .store import ALL_PROPERTIES, DEFAULT_SELECT, EXTENSION_KEYS, project
from .wire import Request, json_response, utc_now

GRAPH_CONTENT_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
MAX_BATCH = 20
DEFAULT_PAGE = 100
MAX_PAGE = 999

DELEGATED_READ_SCOPES = {"Directory.AccessAsUser.All", "Device.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"}
# Delegated writes: role template id -> properties a PATCH may touch (None = all), and whether DELETE is allowed.
ROLE_WRITE_RIGHTS = {
    seed.ROLE_GLOBAL_ADMINISTRATOR: (None, True),
    seed.ROLE_INTUNE_ADMINISTRATOR: (None, True),
    seed.ROLE_CLOUD_DEVICE_ADMINISTRATOR: ({"accountEnabled"}, True),
    seed.ROLE_WINDOWS_365_ADMINISTRATOR: ({"displayName", "operatingSystem", "operatingSystemVersion", "extensionAttributes"}, False),
}

COMPLIANCE_PROPERTIES = {"isCompliant", "isManaged"}
ON_PREMISES_MASTERED = {"accountEnabled", "displayName", "operatingSystem", "operatingSystemVersion"}
_BOOLEAN_PROPERTIES = {"accountEnabled", "isCompliant", "isManaged"}
_STRING_LIMITS = {"displayName": (1, 256), "operatingSystem": (0, 256), "operatingSystemVersion": (0, 256)}
WRITABLE = _BOOLEAN_PROPERTIES | set(_STRING_LIMITS) | {"extensionAttributes"}
_EXTENSION_LOOKUP = {key.lower(): key for key in EXTENSION_KEYS}

_ALTERNATE_KEY_RE = re.compile(r"^devices\((?:(?P<name>[A-Za-z]+)=)?'(?P<value>[^']*)'\)$")
_SKIPTOKEN_PREFIX = "RFNwdAIAAQAAAC"
_LIST_OPTIONS = {"$filter", "$select", "$top", "$count", "$search", "$skiptoken"}
_ENTITY_OPTIONS = {"$select"}


def graph_error_response(error, request_id, client_request_id):
    """Graph's error envelope; innerError carries what support asks for."""
    payload = {"error": {"code": error.code, "message": error.message, "innerError": {
        "date": utc_now().strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id, "client-request-id": client_request_id}}}
    return json_response(error.status, payload, dict(error.headers, **{"Content-Type": GRAPH_CONTENT_TYPE}))


# Permissions

def require_read(principal):
    allowed = principal.scopes & DELEGATED_READ_SCOPES if principal.delegated else principal.roles & GRAPH_READ_ROLES
    if not allowed:
        raise access_denied()


def require_write(principal):
    if principal.delegated:
        if "Directory.AccessAsUser.All" not in principal.scopes or not principal.wids & set(ROLE_WRITE_RIGHTS):
            raise access_denied()
    elif not principal.roles & GRAPH_WRITE_ROLES:
        raise access_denied()


def require_role_rights(principal, properties=None, delete=False):
    """Delegated callers may only touch what one of their directory roles allows."""
    if not principal.delegated:
        return
    for role in principal.wids & set(ROLE_WRITE_RIGHTS):
        allowed_properties, may_delete = ROLE_WRITE_RIGHTS[role]
        if delete and may_delete:
            return
        if not delete and (allowed_properties is None or set(properties) <= allowed_properties):
            return
    raise access_denied()


# PATCH body validation

def _invalid_value(name, detail=""):
    return bad_request("Invalid value specified for property '%s' of resource 'Device'.%s" % (name, detail))


def validate_patch(raw_body, content_type):
    """Parse and check a PATCH body; return the changes keyed by canonical property name."""
    if not raw_body.strip():
        raise bad_request("Empty Payload. JSON content expected.", code="BadRequest")
    if "json" not in (content_type or "").lower():
        raise bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of "
                          "valid JSON format.", code="BadRequest")
    try:
        body = json.loads(raw_body)
    except ValueError as error:
        raise bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of "
                          "valid JSON format.", code="BadRequest") from error
    if not isinstance(body, dict):
        raise bad_request("Unable to read JSON request payload. A JSON object is expected.", code="BadRequest")
    changes = {}
    for name, value in body.items():
        if name == "@odata.type" and value in ("#microsoft.graph.device", "microsoft.graph.device"):
            continue
        if name not in WRITABLE:
            if name in ALL_PROPERTIES:
                raise bad_request("Property '%s' is read-only and cannot be set." % name)
            raise bad_request("The property '%s' does not exist on type 'microsoft.graph.device'. Make sure to only use property "
                              "names that are defined by the type." % name)
        if name in _BOOLEAN_PROPERTIES:
            if not isinstance(value, bool):
                raise _invalid_value(name, " A boolean is expected.")
        elif name in _STRING_LIMITS:
            low, high = _STRING_LIMITS[name]
            if not isinstance(value, str):
                raise _invalid_value(name, " A string is expected.")
            if not low <= len(value) <= high:
                raise _invalid_value(name, " The length must be between %d and %d characters." % (low, high))
        else:
            value = _validate_extension_attributes(value)
        changes[name] = value
    return changes


def _validate_extension_attributes(value):
    if not isinstance(value, dict):
        raise _invalid_value("extensionAttributes", " An object is expected.")
    merged = {}
    for key, item in value.items():
        if key == "@odata.type":
            continue
        canonical = _EXTENSION_LOOKUP.get(key.lower())
        if canonical is None:
            raise bad_request("The property '%s' does not exist on type 'microsoft.graph.onPremisesExtensionAttributes'." % key)
        if item is not None and (not isinstance(item, str) or len(item) > 1024):
            raise _invalid_value("extensionAttributes.%s" % canonical, " A string of at most 1024 characters or null is expected.")
        merged[canonical] = item
    return merged


def check_patch_rules(principal, device, changes):
    """The update-device rules, in the order Graph applies them (see GRAPH.md)."""
    app_kind = principal.app.kind if principal.app else None
    is_windows = (device["operatingSystem"] or "").lower() == "windows"
    if set(changes) & COMPLIANCE_PROPERTIES and not (app_kind == "intune" or (app_kind == "mdm" and is_windows)):
        raise access_denied()
    app_only = not principal.delegated
    if app_only and app_kind != "intune" and not is_windows and set(changes) - {"extensionAttributes"}:
        raise bad_request("Properties other than ExtendedAttribute1..15 can be modified only on windows devices.")
    if app_only and (device["operatingSystem"] or "").lower() == "linux" and "extensionAttributes" in changes:
        raise access_denied()
    if device["onPremisesSyncEnabled"] and set(changes) & ON_PREMISES_MASTERED:
        raise bad_request("Unable to update the specified properties for on-premises mastered Directory Sync objects or objects "
                          "currently undergoing migration.")


# Addressing

def parse_device_key(segment):
    """Return ("id" | "deviceId", value) for "{id}", "('{id}')" or "(deviceId='{deviceId}')" forms."""
    if segment.startswith("devices("):
        match = _ALTERNATE_KEY_RE.match(segment)
        if not match:
            raise bad_request("Invalid key specification '%s'. Use devices(deviceId='{deviceId}')." % segment[len("devices"):])
        name = match.group("name") or "id"
        if name.lower() not in ("id", "deviceid"):
            raise bad_request("The key property '%s' is not an alternate key of type 'microsoft.graph.device'." % name)
        key_name, value = ("deviceId" if name.lower() == "deviceid" else "id"), match.group("value")
    else:
        key_name, value = "id", segment
    if not GUID_RE.match(value):
        raise bad_request("Invalid object identifier '%s'." % value)
    return key_name, value


def not_found(value):
    return GraphError(404, "Request_ResourceNotFound",
                      "Resource '%s' does not exist or one of its queried reference-property objects are not present." % value)


def _options(query, allowed):
    """Normalise $-option names (Graph treats them case-insensitively) and reject unsupported ones."""
    options = {}
    for name, value in query.items():
        if not name.startswith("$"):
            continue
        lowered = name.lower()
        if lowered == "$skip":
            raise bad_request("'$skip' is not supported by the service.", code="Request_BadRequest")
        if lowered not in allowed:
            raise unsupported_query("The query option '%s' is not supported for this request." % name)
        options[lowered] = value
    return options


def _context(base_url, select, entity=False):
    suffix = "(%s)" % ",".join(select) if select is not None else ""
    return "%s/v1.0/$metadata#devices%s%s" % (base_url, suffix, "/$entity" if entity else "")


class GraphDevices:
    """The /devices collection and entity endpoints."""

    def __init__(self, store):
        self.store = store

    def list(self, request, principal):
        require_read(principal)
        options = _options(request.query, _LIST_OPTIONS)
        select_text = options.get("$select")
        select = parse_select(select_text, DEFAULT_SELECT)
        top = self._top(options.get("$top"))
        count = options.get("$count", "false").lower()
        if count not in ("true", "false"):
            raise bad_request("Invalid value '%s' for $count; use true or false." % options["$count"], code="BadRequest")
        eventual = (request.header("ConsistencyLevel") or "").strip().lower() == "eventual"
        predicates = []
        if "$search" in options:
            if not eventual:
                raise unsupported_query("Request with $search query parameter only works through MSGraph with a special "
                                        "request header: 'ConsistencyLevel: eventual'")
            predicates.append(compile_search(options["$search"]))
        if "$filter" in options:
            predicate, advanced = compile_filter(options["$filter"])
            if advanced and not (eventual and count == "true"):
                raise unsupported_query("Unsupported query: %s in $filter is an advanced query; send the header "
                                        "'ConsistencyLevel: eventual' and '$count=true' on every request and page."
                                        % ", ".join(dict.fromkeys(advanced)))
            predicates.append(predicate)
        if count == "true" and not eventual:
            raise unsupported_query("$count is an advanced query; send the header 'ConsistencyLevel: eventual' on every "
                                    "request and page.")

        def matches(device):
            return all(predicate(device) for predicate in predicates)

        start = self._skiptoken(options.get("$skiptoken"))
        page, next_position = self.store.scan(start, matches, top, select)
        payload = {"@odata.context": _context(request.base_url, select if select_text else None)}
        if count == "true":
            payload["@odata.count"] = self.store.count(matches)
        if next_position is not None:
            payload["@odata.nextLink"] = self._next_link(request, next_position)
        payload["value"] = page
        return payload

    @staticmethod
    def _top(text):
        if text is None:
            return DEFAULT_PAGE
        try:
            top = int(text)
        except ValueError:
            top = 0
        if not 1 <= top <= MAX_PAGE:
            raise bad_request("Invalid page size specified: '%s'. Must be between 1 and %d inclusive." % (text, MAX_PAGE))
        return top

    @staticmethod
    def _skiptoken(token):
        if token is None:
            return 0
        encoded = token[len(_SKIPTOKEN_PREFIX):]
        try:
            decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("ascii")
        except ValueError:
            decoded = ""
        label, dummy, position = decoded.partition(":")
        if not token.startswith(_SKIPTOKEN_PREFIX) or label != "position" or not position.isdigit():
            raise bad_request("Invalid $skiptoken value '%s'." % token)
        return int(position)

    @staticmethod
    def _next_link(request, position):
        token = _SKIPTOKEN_PREFIX + base64.urlsafe_b64encode(("position:%d" % position).encode()).decode().rstrip("=")
        pairs = [(name, value) for name, value in request.query.items() if name.lower() != "$skiptoken"]
        pairs.append(("$skiptoken", token))
        query = "&".join("%s=%s" % (urllib.parse.quote(name, safe="$"), urllib.parse.quote(value, safe="")) for name, value in pairs)
        return "%s/v1.0/devices?%s" % (request.base_url, query)

    def _find(self, key_name, value):
        device = self.store.lookup(**{"object_id" if key_name == "id" else "device_id": value})
        if device is None:
            raise not_found(value)
        return device

    def get(self, request, principal, segment):
        require_read(principal)
        key_name, value = parse_device_key(segment)
        options = _options(request.query, _ENTITY_OPTIONS)
        select_text = options.get("$select")
        select = parse_select(select_text, DEFAULT_SELECT)
        device = self._find(key_name, value)
        payload = {"@odata.context": _context(request.base_url, select if select_text else None, entity=True)}
        payload.update(project(device, select))
        return payload

    def patch(self, request, principal, segment):
        require_write(principal)
        key_name, value = parse_device_key(segment)
        changes = validate_patch(request.body, request.header("Content-Type"))
        require_role_rights(principal, properties=changes)
        device = self._find(key_name, value)
        check_patch_rules(principal, device, changes)
        if not self.store.update(device["id"], changes):
            raise not_found(value)

    def delete(self, request, principal, segment):
        del request
        require_write(principal)
        key_name, value = parse_device_key(segment)
        require_role_rights(principal, delete=True)
        device = self._find(key_name, value)
        if device["onPremisesSyncEnabled"]:
            raise bad_request("Unable to delete the specified object because it is mastered on-premises by Directory Sync; "
                              "delete it in the on-premises directory.")
        if not self.store.delete(device["id"]):
            raise not_found(value)


# $batch

def parse_batch(request):
    """Turn a $batch body into item Requests (the batch's Authorization applies to each)."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError as error:
        raise bad_request("Invalid batch payload format.", code="BadRequest") from error
    items = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise bad_request("Invalid batch payload format.", code="BadRequest")
    if len(items) > MAX_BATCH:
        raise bad_request("The number of requests in a batch must not exceed %d." % MAX_BATCH, code="BadRequest")
    seen = set()
    parsed = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise bad_request("Invalid batch payload format: every request needs a string id.", code="BadRequest")
        if item["id"] in seen:
            raise bad_request("Batch request contains duplicate ids: '%s'." % item["id"], code="BadRequest")
        seen.add(item["id"])
        method, url = item.get("method"), item.get("url")
        if not isinstance(method, str) or method.upper() not in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            raise bad_request("Invalid method '%s' in request id : %s." % (method, item["id"]), code="BadRequest")
        if not isinstance(url, str) or not url or "://" in url:
            raise bad_request("Invalid url '%s' in request id : %s; use a relative url like /devices/{id}." % (url, item["id"]),
                              code="BadRequest")
        headers = item.get("headers") or {}
        if not isinstance(headers, dict):
            raise bad_request("Invalid headers in request id : %s." % item["id"], code="BadRequest")
        has_body = item.get("body") is not None
        has_content_type = any(name.lower() == "content-type" for name in headers)
        if has_body != has_content_type and (has_body or method.upper() in ("POST", "PATCH", "PUT")):
            raise bad_request("Write request id : %s does not contain Content-Type header or body." % item["id"], code="BadRequest")
        depends_on = item.get("dependsOn") or []
        if not isinstance(depends_on, list) or any(dep not in seen or dep == item["id"] for dep in depends_on):
            raise bad_request("Invalid dependsOn in request id : %s; it must name earlier request ids." % item["id"], code="BadRequest")
        path, dummy, query_text = url.partition("?")
        item_headers = dict(headers)
        item_headers["Authorization"] = request.header("Authorization", "")
        item_body = item.get("body")
        if has_body and not isinstance(item_body, (bytes, str)):
            item_body = json.dumps(item_body)
        parsed.append({
            "id": item["id"], "dependsOn": depends_on,
            "request": Request(method=method.upper(), path="/v1.0/" + urllib.parse.unquote(path).lstrip("/"),
                               query=dict(urllib.parse.parse_qsl(query_text, keep_blank_values=True)), headers=item_headers,
                               body=(item_body.encode("utf-8") if isinstance(item_body, str) else item_body or b""),
                               base_url=request.base_url, client_ip=request.client_ip),
        })
    return parsed


def batch_item_response(item_id, response):
    headers = {name: value for name, value in response.headers.items()
               if name.lower() in ("content-type", "retry-after", "location", "odata-version")}
    result = {"id": item_id, "status": response.status, "headers": headers}
    if response.body:
        try:
            result["body"] = json.loads(response.body)
        except ValueError:
            result["body"] = response.body.decode("utf-8", "replace")
    return result
