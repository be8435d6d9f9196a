"""The request log tests read to see exactly what went over the wire (with secrets redacted)."""

import copy
import datetime
import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass

REDACTED = "<redacted>"
SECRET_FIELDS = {"client_secret", "client_assertion", "access_token", "refresh_token", "assertion", "password", "passphrase",
                 "cert_password"}


@dataclass
class RequestRecord:
    seq: int
    time: float
    wall: str
    method: str
    path: str
    query: dict
    headers: dict
    body: object
    kind: str
    status: int = None  # None while in flight or when dropped
    client_id: str = None
    batch_id: str = None
    dropped: bool = False

    def as_dict(self):
        return asdict(self)


def redact_headers(headers):
    redacted = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if value else ""
            value = "%s %s" % (scheme, REDACTED) if scheme.lower() == "bearer" else REDACTED
        redacted[name] = value
    return redacted


def _redact_fields(value):
    if isinstance(value, dict):
        return {key: (REDACTED if key.lower() in SECRET_FIELDS and item else _redact_fields(item)) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_fields(item) for item in value]
    return value


def parse_body(raw, content_type):
    """Return the body as JSON, form dict or text, with secret fields redacted."""
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    content_type = (content_type or "").lower()
    if "x-www-form-urlencoded" in content_type:
        return _redact_fields(dict(urllib.parse.parse_qsl(text, keep_blank_values=True)))
    try:
        return _redact_fields(json.loads(text))
    except ValueError:
        return text[:4096]


class RequestLog:
    """Append-only, thread-safe; records are added when a request arrives and completed when answered."""

    def __init__(self):
        self._lock = threading.Lock()
        self._records = []
        self._counter = itertools.count(1)

    def open(self, method, path, query, headers, body, kind, batch_id=None):
        now = datetime.datetime.now(datetime.timezone.utc)
        record = RequestRecord(seq=0, time=time.monotonic(), wall=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                               method=method, path=path, query=_redact_fields(dict(query)), headers=redact_headers(headers),
                               body=body, kind=kind, batch_id=batch_id)
        with self._lock:
            record.seq = next(self._counter)
            self._records.append(record)
        return record

    def snapshot(self, since=0, kinds=None):
        with self._lock:
            records = [record for record in self._records if record.seq > since and (kinds is None or record.kind in kinds)]
            return [copy.deepcopy(record) for record in records]

    def clear(self):
        with self._lock:
            self._records = []
