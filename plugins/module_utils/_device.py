# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: pure device logic (validate, compare, build the PATCH, predict, explain)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import re

from ansible_collections.entra.devices.plugins.module_utils._errors import InputError, EntraError

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Writable properties: option name -> Graph name (extension attributes are handled as a map).
WRITABLE = (
    ("account_enabled", "accountEnabled"),
    ("display_name", "displayName"),
    ("operating_system", "operatingSystem"),
    ("operating_system_version", "operatingSystemVersion"),
    ("is_compliant", "isCompliant"),
    ("is_managed", "isManaged"),
)
EXTENSION_OPTION, EXTENSION_GRAPH = "extension_attributes", "extensionAttributes"

# The options that identify a device and the properties a task may ask for, with their types. Shared by the
# single-device options and the items of bulk mode, so both validate alike.
IDENTIFIER_SPEC = dict(object_id=dict(type="str"), device_id=dict(type="str"), name=dict(type="str"))
PROPERTY_SPEC = dict(
    account_enabled=dict(type="bool"),
    display_name=dict(type="str"),
    operating_system=dict(type="str"),
    operating_system_version=dict(type="str"),
    is_compliant=dict(type="bool"),
    is_managed=dict(type="bool"),
    extension_attributes=dict(type="dict"),
)

# Returned for information, never compared.
READ_ONLY = (
    ("object_id", "id"),
    ("device_id", "deviceId"),
    ("trust_type", "trustType"),
    ("on_premises_sync_enabled", "onPremisesSyncEnabled"),
    ("registration_date_time", "registrationDateTime"),
    ("approximate_last_sign_in_date_time", "approximateLastSignInDateTime"),
    ("manufacturer", "manufacturer"),
    ("model", "model"),
    ("profile_type", "profileType"),
    ("mdm_app_id", "mdmAppId"),
)

EXTENSION_KEYS = tuple("extensionAttribute%d" % n for n in range(1, 16))
EXTENSION_VALUE_MAX = 1024
DISPLAY_NAME_MAX = 256
SELECT = ",".join([graph for dummy, graph in READ_ONLY] + [graph for dummy, graph in WRITABLE] + [EXTENSION_GRAPH])

# On-premises-mastered device properties: Graph refuses them on devices synced from AD.
ON_PREMISES_MASTERED = ("accountEnabled", "displayName", "operatingSystem", "operatingSystemVersion")
INTUNE_ONLY = ("isCompliant", "isManaged")

_EXTENSION_KEY_RE = re.compile(r"^extensionattribute([0-9]+)$", re.IGNORECASE)


def canonical_extension_key(key):
    """'EXTENSIONattribute3' -> 'extensionAttribute3'; InputError for anything outside 1..15."""
    match = _EXTENSION_KEY_RE.match(str(key).strip())
    if not match or not 1 <= int(match.group(1)) <= 15:
        raise InputError("extension_attributes: unknown key %r; use extensionAttribute1 .. extensionAttribute15." % (key,))
    return "extensionAttribute%d" % int(match.group(1))


def normalize_extension_attributes(raw):
    """Validate the extension_attributes option and key it canonically. Values are strings or None (clear)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputError("extension_attributes must be a dictionary of extensionAttribute1..15 to a string or null.")
    normalized = {}
    for key, value in raw.items():
        canonical = canonical_extension_key(key)
        if canonical in normalized:
            raise InputError("extension_attributes: %s is given more than once (keys are case-insensitive)." % canonical)
        if isinstance(value, bool) or not (value is None or isinstance(value, (str, int, float))):
            raise InputError("extension_attributes.%s must be a string or null, got %s." % (canonical, type(value).__name__))
        if value is not None and not isinstance(value, str):
            value = str(value)
        if value is not None and len(value) > EXTENSION_VALUE_MAX:
            raise InputError("extension_attributes.%s is %d characters long; Graph allows at most %d."
                             % (canonical, len(value), EXTENSION_VALUE_MAX))
        normalized[canonical] = value
    return normalized


def validate_identifier(params):
    """The one identifier given, as (option name, value); GUID ids are checked here, before any request."""
    for option in ("object_id", "device_id"):
        value = params.get(option)
        if value is not None and not GUID_RE.match(value):
            raise InputError("%s must be a GUID like 0f8fad5b-d9cb-469f-a165-70867728950e, got %r." % (option, value))
    given = [(option, params.get(option)) for option in ("object_id", "device_id", "name") if params.get(option) is not None]
    if len(given) != 1:
        raise InputError("Identify the device with exactly one of object_id, device_id or name%s."
                         % (" (got %s)" % ", ".join(o for o, dummy in given) if given else ""))
    if given[0][0] == "name" and not given[0][1].strip():
        raise InputError("name must not be empty.")
    return given[0]


def desired_properties(params):
    """The Graph-named properties the task asks for, validated. Only options that were given appear."""
    desired = {}
    for option, graph in WRITABLE:
        if params.get(option) is not None:
            desired[graph] = params[option]
    name = desired.get("displayName")
    if name is not None and not 1 <= len(name) <= DISPLAY_NAME_MAX:
        raise InputError("display_name must be 1 to %d characters long, got %d." % (DISPLAY_NAME_MAX, len(name)))
    if name is not None and not name.strip():
        raise InputError("display_name must not be blank.")
    extensions = normalize_extension_attributes(params.get(EXTENSION_OPTION))
    if extensions is not None:
        desired[EXTENSION_GRAPH] = extensions
    return desired


def build_patch(current, desired, purge_extension_attributes=False):
    """The PATCH body: only what differs. Extension attributes merge unless purge asks to clear the unlisted ones."""
    patch = {}
    for dummy, graph in WRITABLE:
        if graph in desired and current.get(graph) != desired[graph]:
            patch[graph] = desired[graph]
    wanted = dict(desired.get(EXTENSION_GRAPH) or {})
    if purge_extension_attributes:
        for key in EXTENSION_KEYS:
            wanted.setdefault(key, None)
    have = current.get(EXTENSION_GRAPH) or {}
    extension_delta = dict((key, value) for key, value in wanted.items() if have.get(key) != value)
    if extension_delta:
        patch[EXTENSION_GRAPH] = dict(sorted(extension_delta.items(), key=lambda item: EXTENSION_KEYS.index(item[0])))
    return patch


def predict_device(current, patch):
    """The device as Graph will hold it after the PATCH (extensionAttributes merge; null clears)."""
    predicted = copy.deepcopy(current)
    for key, value in patch.items():
        if key == EXTENSION_GRAPH:
            merged = dict(predicted.get(EXTENSION_GRAPH) or {})
            merged.update(value)
            predicted[EXTENSION_GRAPH] = merged
        else:
            predicted[key] = value
    return predicted


def to_result(device):
    """Graph device JSON -> the module's snake_case ``device`` (extension_attributes keyed as the option is)."""
    result = {}
    for option, graph in READ_ONLY + WRITABLE:
        result[option] = device.get(graph)
    extensions = device.get(EXTENSION_GRAPH) or {}
    result[EXTENSION_OPTION] = dict((key, extensions.get(key)) for key in EXTENSION_KEYS)
    return result


def build_diff(before, after, desired, purge_extension_attributes=False):
    """Before/after of the properties in play (those the task names; all fifteen attributes when purging)."""
    in_play = [graph for dummy, graph in WRITABLE if graph in desired]
    diff = {"before": {}, "after": {}}
    for state, device in (("before", before), ("after", after)):
        for option, graph in WRITABLE:
            if graph in in_play:
                diff[state][option] = device.get(graph)
        if EXTENSION_GRAPH in desired or purge_extension_attributes:
            keys = EXTENSION_KEYS if purge_extension_attributes else [k for k in EXTENSION_KEYS if k in desired[EXTENSION_GRAPH]]
            extensions = device.get(EXTENSION_GRAPH) or {}
            diff[state][EXTENSION_OPTION] = dict((key, extensions.get(key)) for key in keys)
    return diff


def is_windows(device):
    return (device.get("operatingSystem") or "").strip().lower().startswith("windows")


def check_rules(device, patch, app_only):
    """Graph's documented write rules, checked before the write so nothing is sent that Graph must refuse.

    Raises EntraError with a sentence saying which rule applies and what to do instead.
    """
    label = describe_device(device)
    if device.get("onPremisesSyncEnabled"):
        mastered = [graph for graph in ON_PREMISES_MASTERED if graph in patch]
        if mastered:
            raise EntraError("%s is synchronized from on-premises Active Directory; %s %s mastered on-premises and cannot "
                             "be changed through Graph. Change it in Active Directory and let Entra Connect sync it."
                             % (label, ", ".join(_option(g) for g in mastered), "is" if len(mastered) == 1 else "are"),
                             rule="on_premises_mastered")
    if app_only and not is_windows(device):
        others = [graph for graph in patch if graph != EXTENSION_GRAPH and graph not in INTUNE_ONLY]
        if others:
            raise EntraError("%s runs %s; with application permissions Graph lets only extension_attributes change on "
                             "non-Windows devices, so %s cannot be set. Use a delegated token (access_token) of an "
                             "Intune Administrator, or change only extension_attributes."
                             % (label, device.get("operatingSystem") or "an unknown OS", ", ".join(_option(g) for g in others)),
                             rule="non_windows_app_only")
        if EXTENSION_GRAPH in patch and (device.get("operatingSystem") or "").strip().lower() == "linux":
            raise EntraError("%s is a Linux device; a known Graph issue stops applications with application permissions "
                             "from updating extensionAttributes of Linux devices. Use a delegated token (access_token) "
                             "of a user with the Intune Administrator role." % label, rule="linux_app_only")


def explain_graph_error(err, action, device=None, target=None):
    """A sentence a person can act on, in front of Graph's own code, message and request-id.

    ``target`` names what was acted on when there is no device yet (a read by id, a list).
    """
    label = target or describe_device(device)
    if err.status == 403:
        hint = ("the caller lacks permission. Grant the application Device.ReadWrite.All (application permission, admin "
                "consent) for writes or Device.Read.All for reads, or for a delegated token use a user with the Intune "
                "Administrator role (Cloud Device Administrator may only enable, disable and delete devices)")
        return err.with_context("Graph refused to %s %s: %s. %s" % (action, label, hint, err.describe()))
    if err.status == 404:
        return err.with_context("Graph could not find %s while trying to %s it (it may have been deleted, or registered "
                                "only seconds ago and not yet replicated). %s" % (label, action, err.describe()))
    if err.status == 429:
        asked = (" It asked to wait %.0f s, longer than max_retry_wait allows." % err.retry_after) if err.retry_after else ""
        return err.with_context("Graph kept throttling the requests (HTTP 429) while trying to %s %s, even after retrying.%s "
                                "Lower forks or spread the run over time; device writes are limited to 3,000 per 150 s per "
                                "application. %s" % (action, label, asked, err.describe()))
    return err.with_context("Graph failed to %s %s. %s" % (action, label, err.describe()))


def explain_patch_error(err, device, patch):
    """A PATCH error, with the rule that explains it when one does."""
    label = describe_device(device)
    if err.status == 403 and any(key in patch for key in INTUNE_ONLY):
        return err.with_context("Graph refused to change %s on %s: only Intune (any OS) or an approved MDM application "
                                "(Windows devices) may set is_compliant and is_managed. %s"
                                % (", ".join(_option(k) for k in INTUNE_ONLY if k in patch), label, err.describe()))
    return explain_graph_error(err, "update", device)


def describe_device(device):
    if not device:
        return "the device"
    return "device %r (object id %s)" % (device.get("displayName"), device.get("id"))


def _option(graph):
    for option, name in WRITABLE:
        if name == graph:
            return option
    return EXTENSION_OPTION if graph == EXTENSION_GRAPH else graph
