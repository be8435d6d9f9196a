"""The device directory: Graph-shaped device records, insertion order for paging, delayed visibility."""

import copy
import datetime
import threading
import time
import uuid

EXTENSION_KEYS = tuple("extensionAttribute%d" % number for number in range(1, 16))

# Every property a device has, with the value a new device gets when none is given.
DEVICE_DEFAULTS = {
    "id": None,
    "deletedDateTime": None,
    "accountEnabled": True,
    "alternativeSecurityIds": [],
    "approximateLastSignInDateTime": None,
    "complianceExpirationDateTime": None,
    "createdDateTime": None,
    "deviceCategory": None,
    "deviceId": None,
    "deviceMetadata": None,
    "deviceOwnership": "Company",
    "deviceVersion": 2,
    "displayName": None,
    "domainName": None,
    "enrollmentProfileName": None,
    "enrollmentType": None,
    "externalSourceName": None,
    "isCompliant": False,
    "isManaged": False,
    "isManagementRestricted": False,
    "isRooted": False,
    "managementType": None,
    "manufacturer": None,
    "mdmAppId": None,
    "model": None,
    "onPremisesLastSyncDateTime": None,
    "onPremisesSecurityIdentifier": None,
    "onPremisesSyncEnabled": None,
    "operatingSystem": "Windows",
    "operatingSystemVersion": "10.0.22631.4317",
    "physicalIds": [],
    "profileType": "RegisteredDevice",
    "registrationDateTime": None,
    "sourceType": None,
    "systemLabels": [],
    "trustType": "AzureAd",
    "extensionAttributes": None,
}

# What GET returns without $select: everything except extensionAttributes (GRAPH.md: select it explicitly).
DEFAULT_SELECT = tuple(name for name in DEVICE_DEFAULTS if name != "extensionAttributes")
ALL_PROPERTIES = tuple(DEVICE_DEFAULTS)
# Lower-case name -> canonical name, because Graph matches property names case-insensitively.
PROPERTY_NAMES = {name.lower(): name for name in ALL_PROPERTIES}


def utc_now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_device(props):
    """Build a complete device record from partial Graph properties."""
    unknown = set(props) - set(DEVICE_DEFAULTS)
    if unknown:
        raise ValueError("unknown device properties: %s" % ", ".join(sorted(unknown)))
    device = copy.deepcopy(DEVICE_DEFAULTS)
    device.update(copy.deepcopy(props))
    device["id"] = (device["id"] or str(uuid.uuid4())).lower()
    device["deviceId"] = (device["deviceId"] or str(uuid.uuid4())).lower()
    if not device["displayName"]:
        device["displayName"] = "DEVICE-%s" % device["id"][:8].upper()
    now = utc_now_iso()
    device["registrationDateTime"] = device["registrationDateTime"] or now
    device["createdDateTime"] = device["createdDateTime"] or device["registrationDateTime"]
    extension = dict.fromkeys(EXTENSION_KEYS)
    extension.update(props.get("extensionAttributes") or {})
    device["extensionAttributes"] = extension
    return device


def project(device, select):
    """Return a copy of the device limited to the selected properties (nested values are copied)."""
    return {name: copy.deepcopy(device[name]) for name in select}


class DeviceStore:
    """Thread-safe device store. Order is insertion order, which paging positions refer to."""

    def __init__(self):
        self._lock = threading.RLock()
        self._devices = {}
        self._by_device_id = {}
        self._order = []
        self._visible_at = {}
        self._bulk_counters = {}

    def reset(self, devices):
        with self._lock:
            self._devices.clear()
            self._by_device_id.clear()
            self._order.clear()
            self._visible_at.clear()
            self._bulk_counters.clear()
            for props in devices:
                self.add(props)

    def add(self, props, visible_after=0.0):
        device = new_device(props)
        with self._lock:
            if device["id"] in self._devices or device["deviceId"] in self._by_device_id:
                raise ValueError("a device with id %s or deviceId %s already exists" % (device["id"], device["deviceId"]))
            self._devices[device["id"]] = device
            self._by_device_id[device["deviceId"]] = device["id"]
            self._order.append(device["id"])
            if visible_after > 0:
                self._visible_at[device["id"]] = time.monotonic() + visible_after
            return copy.deepcopy(device)

    def add_bulk(self, count, prefix, operating_system):
        """Add many devices quickly, named PREFIX00001, PREFIX00002, ... (a later call with the same prefix continues)."""
        with self._lock:
            start = self._bulk_counters.get(prefix, 0)
            self._bulk_counters[prefix] = start + count
            ids = []
            for number in range(start + 1, start + count + 1):
                device = new_device({"displayName": "%s%05d" % (prefix, number), "operatingSystem": operating_system})
                self._devices[device["id"]] = device
                self._by_device_id[device["deviceId"]] = device["id"]
                self._order.append(device["id"])
                ids.append(device["id"])
            return ids

    def _visible(self, object_id, now):
        visible_at = self._visible_at.get(object_id)
        if visible_at is None:
            return True
        if now >= visible_at:
            del self._visible_at[object_id]
            return True
        return False

    def lookup(self, object_id=None, device_id=None, include_hidden=False):
        """Return a copy of the device by object id or deviceId, or None when absent or not visible yet."""
        with self._lock:
            if device_id is not None:
                object_id = self._by_device_id.get(device_id.lower())
            device = self._devices.get((object_id or "").lower())
            if device is None or not (include_hidden or self._visible(device["id"], time.monotonic())):
                return None
            return copy.deepcopy(device)

    def update(self, object_id, changes):
        """Apply validated changes at once; extensionAttributes merge key by key."""
        with self._lock:
            device = self._devices.get(object_id)
            if device is None:
                return False
            for name, value in changes.items():
                if name == "extensionAttributes":
                    device["extensionAttributes"].update(value)
                else:
                    device[name] = value
            return True

    def delete(self, object_id):
        with self._lock:
            device = self._devices.pop(object_id, None)
            if device is None:
                return False
            del self._by_device_id[device["deviceId"]]
            self._visible_at.pop(object_id, None)
            return True

    def scan(self, start, predicate, limit, select):
        """Return up to limit matching visible devices from position start, and the position of the next match or None."""
        page = []
        with self._lock:
            now = time.monotonic()
            order = self._order
            for position in range(start, len(order)):
                device = self._devices.get(order[position])
                if device is None or not self._visible(device["id"], now) or not predicate(device):
                    continue
                if len(page) == limit:
                    return page, position
                page.append(project(device, select))
        return page, None

    def count(self, predicate):
        with self._lock:
            now = time.monotonic()
            return sum(1 for device in self._devices.values() if self._visible(device["id"], now) and predicate(device))

    def __len__(self):
        with self._lock:
            return len(self._devices)
