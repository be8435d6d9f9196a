"""Transport-neutral request and response objects, shared by the HTTP server and $batch items."""

import datetime
import json
import uuid
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes = b""
    base_url: str = ""
    client_ip: str = "127.0.0.1"
    record: object = None  # the RequestRecord being written for this request

    def header(self, name, default=None):
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return default


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)


def json_response(status, payload, headers=None):
    merged = {"Content-Type": "application/json; charset=utf-8"}
    merged.update(headers or {})
    return Response(status, json.dumps(payload).encode("utf-8"), merged)


def new_guid():
    return str(uuid.uuid4())


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)
