# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: the HTTP transport and the Graph request funnel."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import email.utils
import json
import math
import random
import time
import uuid

try:
    from urllib.parse import urlsplit, quote
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps the import sanity test quiet
    from urlparse import urlsplit  # type: ignore
    from urllib import quote  # type: ignore

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the host
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.entra.devices.plugins.module_utils._errors import GraphError, TransportError

RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
GRAPH_VERSION = "v1.0"


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header: seconds (integer or fractional) or an HTTP date. None if unusable."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


class RetryPolicy:
    """When and how long to wait before trying a request again.

    Retry-After wins when the server sends it; otherwise exponential backoff with equal jitter (half of each wait
    fixed, half random). ``max_wait`` caps one wait: a server asking for longer is not retried early into a certain
    refusal, the request fails instead. ``max_total`` caps the time spent waiting over one request.
    """

    def __init__(self, max_retries=5, max_wait=60.0, max_total=300.0, base=1.0, sleep=time.sleep, clock=time.monotonic,
                 rand=random.random):
        self.max_retries = max_retries
        self.max_wait = float(max_wait)
        self.max_total = float(max_total)
        self.base = float(base)
        self.sleep = sleep
        self.clock = clock
        self.rand = rand

    def next_wait(self, attempt, started, retry_after=None):
        """Seconds to wait before retry number ``attempt`` (1-based) of a request begun at ``started``, or None to stop."""
        if attempt > self.max_retries:
            return None
        if retry_after is not None:
            wait = retry_after
        else:
            wait = min(self.max_wait, self.base * (2 ** (attempt - 1))) * (0.5 + self.rand() / 2)
        if wait > self.max_wait or self.clock() - started + wait > self.max_total:
            return None
        return wait


class HttpTransport:
    """One requests.Session for Graph and MSAL, with TLS, timeouts and the retry policy.

    ``verify`` is passed on every request because requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override
    ``Session.verify``; a CA file the user names must win. Proxies still come from the environment.
    MSAL calls ``get`` and ``post`` on this object, so token requests get the same TLS and retry behaviour.
    """

    def __init__(self, verify=True, timeout=30, retry_policy=None, on_retry=None, user_agent=None):
        if not HAS_REQUESTS:
            raise TransportError("The Python library requests is required on the host that runs the module.")
        self.session = requests.Session()
        if user_agent:
            self.session.headers["User-Agent"] = user_agent
        self.verify = verify
        self.timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy()
        self.on_retry = on_retry or (lambda message: None)

    def request(self, method, url, **kwargs):
        """Send one logical request, retrying throttling, transient 5xx and transient network failures."""
        policy = self.retry_policy
        kwargs.setdefault("timeout", self.timeout)
        kwargs["verify"] = self.verify
        started = policy.clock()
        attempt = 0
        while True:
            attempt += 1
            retry_after = None
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.RequestException as exc:
                if not _is_transient(exc):
                    # TLS verification, a malformed URL or header: trying again cannot help.
                    raise TransportError("Could not send %s %s: %s." % (method, _origin(url) + _path_of(url), _describe_exception(exc)))
                response, failure = None, exc
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                failure = None
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            wait = policy.next_wait(attempt, started, retry_after)
            if wait is None:
                if response is not None:
                    return response
                raise TransportError(
                    "Could not reach %s after %d attempt(s) over %.1f s: %s. Check the network, proxy and the endpoint "
                    "options (graph_endpoint, authority_host)." % (_origin(url), attempt, policy.clock() - started,
                                                                   _describe_exception(failure)))
            reason = "HTTP %d" % response.status_code if response is not None else _describe_exception(failure)
            self.on_retry("%s %s failed (%s); retrying in %.1f s (retry %d of %d)%s." % (
                method, _path_of(url), reason, wait, attempt, policy.max_retries,
                " as Retry-After asked" if retry_after is not None else ""))
            policy.sleep(wait)

    # MSAL's http_client interface.
    def get(self, url, params=None, headers=None, **kwargs):
        return self.request("GET", url, params=params, headers=headers, **kwargs)

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return self.request("POST", url, params=params, data=data, headers=headers, **kwargs)

    def close(self):
        self.session.close()


def _is_transient(exc):
    """A dropped or refused connection, a timeout or a body cut short: worth another try. TLS failures are not."""
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError))


def _origin(url):
    parts = urlsplit(url)
    return "%s://%s" % (parts.scheme, parts.netloc)


def _path_of(url):
    return urlsplit(url).path


def _describe_exception(exc):
    """A one-line reason for a requests exception, without the URL's query string or any header."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS verification failed (set ca_path to the CA that signed the server, or validate_certs=false for a test)"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return "connection failed or was dropped"
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return "the URL is not valid (check graph_endpoint and authority_host)"
    return exc.__class__.__name__


class GraphClient:
    """The one funnel every Graph call goes through: auth header, JSON, paging, errors, retries, one 401 refresh."""

    def __init__(self, transport, graph_endpoint, token_provider):
        self.transport = transport
        self.base = graph_endpoint.rstrip("/") + "/" + GRAPH_VERSION
        self.token_provider = token_provider
        self.requests_sent = 0

    def url(self, path):
        return path if path.startswith("https://") or path.startswith("http://") else self.base + path

    def call(self, method, path, params=None, body=None, headers=None, ok_missing=False):
        """Send a request and return the parsed JSON body (None for 204). Raises GraphError.

        ``ok_missing``: a 404 returns None (a read of a device that may not exist; a DELETE of a device that is gone,
        including one whose first attempt succeeded but whose answer was lost and so was sent again).
        """
        url = self.url(path)
        refreshed = False
        while True:
            response = self._send(method, url, params, body, headers, force_refresh=refreshed)
            if response.status_code == 401 and not refreshed:
                # An expired or revoked token: get one fresh token and try once more.
                refreshed = True
                continue
            break
        if response.status_code == 404 and ok_missing:
            return None
        if response.status_code >= 400:
            raise graph_error_from_response(response, method, url)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise GraphError("Graph answered %s %s with a body that is not JSON." % (method, _path_of(url)),
                             status=response.status_code, request_id=response.headers.get("request-id"))

    def _send(self, method, url, params, body, headers, force_refresh=False):
        token = self.token_provider.get_token(force_refresh=force_refresh)
        all_headers = {
            "Authorization": "Bearer " + token,
            "Accept": "application/json",
            "client-request-id": str(uuid.uuid4()),
        }
        if headers:
            all_headers.update(headers)
        data = None
        if body is not None:
            all_headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        self.requests_sent += 1
        return self.transport.request(method, url, params=params, data=data, headers=all_headers)

    def pages(self, path, params=None, headers=None):
        """Yield each page's ``value`` list, following @odata.nextLink (headers are sent again on every page)."""
        page = self.call("GET", path, params=params, headers=headers)
        while True:
            yield page.get("value", [])
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return
            page = self.call("GET", self._same_origin(next_link), headers=headers)

    def batch(self, batch_requests):
        """One JSON batch (at most 20 requests). Returns {id: response} with each item's status, headers and body."""
        answer = self.call("POST", "/$batch", body={"requests": batch_requests}) or {}
        return dict((str(item.get("id")), item) for item in answer.get("responses", []))

    def _same_origin(self, link):
        """Keep paging on the endpoint we were told to use (a proxy or emulator, with any path prefix it has),
        whatever host Graph names in the link."""
        theirs = urlsplit(link)
        marker = "/" + GRAPH_VERSION + "/"
        relative = theirs.path.split(marker, 1)[1] if marker in theirs.path else theirs.path.lstrip("/")
        return self.base + "/" + relative + ("?" + theirs.query if theirs.query else "")


def graph_error_from_response(response, method, url):
    """A GraphError from an HTTP response carrying Graph's error envelope (or whatever body came back)."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    return graph_error(response.status_code, response.headers, payload, method, url)


def graph_error(status, headers, payload, method, url):
    """A GraphError from a status, headers and body (an HTTP response or one item of a JSON batch)."""
    code = graph_message = date = None
    inner = {}
    headers = dict((str(k).lower(), v) for k, v in (headers or {}).items())
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        error = payload["error"]
        code = error.get("code")
        graph_message = error.get("message")
        inner = error.get("innerError") or error.get("innererror") or {}
        date = inner.get("date")
    request_id = inner.get("request-id") or headers.get("request-id")
    client_request_id = inner.get("client-request-id") or headers.get("client-request-id")
    err = GraphError("", status=status, code=code, graph_message=graph_message, request_id=request_id,
                     client_request_id=client_request_id, date=date, method=method, url=url,
                     retry_after=parse_retry_after(headers.get("retry-after")))
    return err.with_context("Graph rejected %s %s: %s." % (method, _path_of(url), err.describe()))


def odata_quote(value):
    """An OData string literal: single quotes doubled, then wrapped in quotes."""
    return "'%s'" % value.replace("'", "''")


def device_path(object_id=None, device_id=None):
    """The Graph path of one device, by its object id or by the deviceId alternate key."""
    if object_id:
        return "/devices/" + quote(object_id, safe="")
    return "/devices(deviceId=%s)" % quote(odata_quote(device_id), safe="'")
