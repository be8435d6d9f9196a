"""Fault injection: answer chosen requests with an error, a delay or a dropped connection."""

import re
import threading
from dataclasses import dataclass, field

# Which request kinds each fault kind applies to.
FAULT_KINDS = {
    "graph": ("graph", "batch-item"),
    "token": ("token", "imds"),
    "discovery": ("discovery",),
    "imds": ("imds",),
    "any": ("graph", "batch-item", "token", "imds", "discovery"),
}

# Graph error codes used when a fault gives none.
DEFAULT_CODES = {400: "BadRequest", 401: "InvalidAuthenticationToken", 403: "Authorization_RequestDenied",
                 404: "Request_ResourceNotFound", 409: "Request_MultipleObjectsWithSameKeyValue", 412: "PreconditionFailed",
                 429: "TooManyRequests", 500: "generalException", 502: "badGateway", 503: "serviceNotAvailable",
                 504: "gatewayTimeout"}


@dataclass
class Fault:
    """One injected fault. times=None means forever; hits counts the requests it answered."""

    method: str = "ANY"
    path: str = ".*"
    status: int = None
    retry_after: str = None
    times: int = 1
    delay: float = 0.0
    drop: bool = False
    code: str = None
    kind: str = "graph"
    message: str = None
    hits: int = 0
    _pattern: re.Pattern = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.kind not in FAULT_KINDS:
            raise ValueError("fault kind must be one of %s" % ", ".join(FAULT_KINDS))
        self.method = (self.method or "ANY").upper()
        self._pattern = re.compile(self.path or ".*")
        if self.status is not None:
            self.status = int(self.status)
        if self.retry_after is not None:
            self.retry_after = str(self.retry_after)
        self.delay = float(self.delay or 0.0)
        if self.times is not None:
            self.times = int(self.times)
        if self.status is None and not self.drop and not self.delay:
            raise ValueError("a fault needs a status, drop or delay")

    def matches(self, kind, method, path):
        return (kind in FAULT_KINDS[self.kind] and self.method in ("ANY", method.upper())
                and self._pattern.search(path) is not None)

    def as_dict(self):
        return {"method": self.method, "path": self.path, "status": self.status, "retry_after": self.retry_after,
                "times": self.times, "delay": self.delay, "drop": self.drop, "code": self.code, "kind": self.kind,
                "message": self.message, "hits": self.hits}

    @property
    def error_code(self):
        return self.code or DEFAULT_CODES.get(self.status, "UnknownError")


class FaultSet:
    """The active faults; the first matching one with uses left applies."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, fault):
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self):
        with self._lock:
            self._faults = []

    def take(self, kind, method, path):
        """Return the fault for this request, counting the use, or None."""
        with self._lock:
            for fault in self._faults:
                if (fault.times is None or fault.hits < fault.times) and fault.matches(kind, method, path):
                    fault.hits += 1
                    return fault
        return None

    def snapshot(self):
        with self._lock:
            return [fault.as_dict() for fault in self._faults]


_OPTION_RE = re.compile(r"^(retry_after|times|delay|code|kind|message)=(.*)$")


def parse_fault_spec(spec):
    """Parse METHOD:PATH_REGEX[:STATUS|:drop][:key=value...] into Emulator.add_fault keyword arguments.

    The path may itself contain colons; options and the status are taken from the end.
    """
    method, dummy, rest = spec.partition(":")
    parts = rest.split(":") if rest else []
    kwargs = {"method": method or "ANY"}
    while parts:
        last = parts[-1]
        option = _OPTION_RE.match(last)
        if option:
            name, value = option.groups()
            if name == "times":
                value = None if value in ("", "forever", "inf", "none") else int(value)
            elif name == "delay":
                value = float(value)
            kwargs.setdefault(name, value)
        elif last == "drop":
            kwargs["drop"] = True
        elif re.fullmatch(r"[1-5]\d\d", last) and len(parts) > 1:
            kwargs["status"] = int(last)
        else:
            break
        parts.pop()
    kwargs["path"] = ":".join(parts) or ".*"
    if "status" not in kwargs and not kwargs.get("drop") and "delay" not in kwargs:
        raise ValueError("fault spec %r needs a status, 'drop' or delay=SECONDS" % spec)
    # Spelled out so Emulator.add_fault's defaults (429, Retry-After 1.5) do not creep in.
    kwargs.setdefault("status", None)
    kwargs.setdefault("retry_after", None)
    return kwargs
