# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: what the device modules do with Graph (read, compare, write)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import time

from ansible_collections.entra.devices.plugins.module_utils._device import (
    IDENTIFIER_SPEC, PROPERTY_SPEC, SELECT, build_diff, build_patch, check_rules, desired_properties, explain_graph_error, explain_patch_error,
    predict_device, to_result, validate_identifier,
)
from ansible_collections.entra.devices.plugins.module_utils._bulk import ensure_devices
from ansible_collections.entra.devices.plugins.module_utils._common import graph_argument_spec
from ansible_collections.entra.devices.plugins.module_utils._errors import EntraError, GraphError, InputError
from ansible_collections.entra.devices.plugins.module_utils._graph import device_path
from ansible_collections.entra.devices.plugins.module_utils._lookup import (
    describe_identifier, lookup_request, lookup_result, name_filter,
)

WAIT_INTERVAL = 2.0


def device_module_kwargs():
    """AnsibleModule keyword arguments of azure_ad_device (also used by its controller-side action plugin)."""
    argument_spec = graph_argument_spec()
    argument_spec.update(IDENTIFIER_SPEC)
    argument_spec.update(PROPERTY_SPEC)
    argument_spec.update(dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        purge_extension_attributes=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=0),
        devices=dict(type="list", elements="raw"),
    ))
    identifiers = ("object_id", "device_id", "name", "devices")
    return dict(argument_spec=argument_spec, mutually_exclusive=[identifiers], required_one_of=[identifiers],
                supports_check_mode=True)


def run_device(module, session):
    """azure_ad_device: bulk mode with ``devices``, else one device."""
    if module.params.get("devices") is not None:
        return ensure_devices(module, session)
    return ensure_device(module, session)


def read_device(client, identifier):
    """One Graph read: the device (Graph JSON, with every compared property), or None if it does not exist."""
    path, query = lookup_request(identifier)
    try:
        payload = client.call("GET", path, params=query, ok_missing=True)
    except GraphError as err:
        raise explain_graph_error(err, "read", target=describe_identifier(identifier))
    return lookup_result(identifier, payload)


def wait_for_device(client, identifier, wait_timeout, sleep=time.sleep, clock=time.monotonic):
    """Read the device, and while it is missing read again until ``wait_timeout`` seconds have passed (replication lag)."""
    deadline = clock() + wait_timeout
    attempts = 1
    device = read_device(client, identifier)
    while device is None and clock() < deadline:
        sleep(min(WAIT_INTERVAL, max(0.0, deadline - clock())))
        attempts += 1
        device = read_device(client, identifier)
    return device, attempts


def not_found_message(identifier, wait_timeout, attempts):
    option, value = identifier
    what = "named %r" % value if option == "name" else "with %s %s" % (option, value)
    waited = (" after waiting %d s (%d reads) for it to replicate" % (wait_timeout, attempts)) if wait_timeout else ""
    return ("No device %s exists in the directory%s. This module changes and deletes existing devices; devices are "
            "created by registration (Entra join, Intune enrollment).%s"
            % (what, waited, "" if wait_timeout else " If it was registered moments ago, set wait_timeout."))


def ensure_device(module, session):
    """azure_ad_device: put one device in the wanted state with at most one read and one write."""
    params = module.params
    identifier = validate_identifier(params)
    state = params["state"]
    desired = desired_properties(params)
    if state == "absent" and (desired or params["purge_extension_attributes"]):
        raise InputError("state=absent deletes the device; do not combine it with properties to set.")
    if params["wait_timeout"] < 0:
        raise InputError("wait_timeout must be 0 or more seconds, got %d." % params["wait_timeout"])
    client = session.client

    if state == "absent":
        device = read_device(client, identifier)
        result = dict(changed=device is not None, device={}, changes={})
        if device is not None and not module.check_mode:
            try:
                client.call("DELETE", device_path(object_id=device["id"]), ok_missing=True)
            except GraphError as err:
                raise explain_graph_error(err, "delete", device)
        if module._diff:
            result["diff"] = dict(before=to_result(device) if device else {}, after={})
        return result

    device, attempts = wait_for_device(client, identifier, params["wait_timeout"])
    if device is None:
        raise EntraError(not_found_message(identifier, params["wait_timeout"], attempts))
    purge = params["purge_extension_attributes"]
    patch = build_patch(device, desired, purge)
    predicted = predict_device(device, patch)
    if patch:
        check_rules(device, patch, session.caller_is_app_only())
        if not module.check_mode:
            try:
                client.call("PATCH", device_path(object_id=device["id"]), body=patch)
            except GraphError as err:
                raise explain_patch_error(err, device, patch)
    result = dict(changed=bool(patch), device=to_result(predicted), changes=patch)
    if module._diff:
        result["diff"] = build_diff(device, predicted, desired, purge)
    return result


def info_module_kwargs():
    """AnsibleModule keyword arguments of azure_ad_device_info (also used by its controller-side action plugin)."""
    argument_spec = graph_argument_spec()
    argument_spec.update(IDENTIFIER_SPEC)
    argument_spec.update(dict(
        filter=dict(type="str"),
        advanced_query=dict(type="bool", default=False),
        page_size=dict(type="int", default=999),
    ))
    return dict(argument_spec=argument_spec, mutually_exclusive=[("object_id", "device_id", "name", "filter")],
                supports_check_mode=True)


def needs_advanced_query(odata_filter):
    """Graph answers 400 Request_UnsupportedQuery to these filters unless the advanced-query form is used."""
    return bool(ADVANCED_FILTER_RE.search(odata_filter or ""))


ADVANCED_FILTER_RE = re.compile(r"extensionAttributes/|\bne\b|\bnot\b|\bendswith\s*\(", re.IGNORECASE)


def device_info(module, session):
    """azure_ad_device_info: one device by identifier, the devices a filter selects, or every device."""
    params = module.params
    if not 1 <= params["page_size"] <= 999:
        raise InputError("page_size must be between 1 and 999 (Graph's $top limit), got %d." % params["page_size"])
    identifiers = [o for o in ("object_id", "device_id", "name") if params.get(o) is not None]
    if identifiers:
        identifier = validate_identifier(params)
        if identifier[0] != "name":
            device = read_device(session.client, identifier)
            return dict(changed=False, devices=[to_result(device)] if device else [])
        odata_filter = name_filter(identifier[1])
    else:
        odata_filter = params.get("filter")
    query = {"$select": SELECT, "$top": str(params["page_size"])}
    headers = None
    if odata_filter:
        query["$filter"] = odata_filter
    if params["advanced_query"] or needs_advanced_query(odata_filter):
        query["$count"] = "true"
        headers = {"ConsistencyLevel": "eventual"}
    devices = []
    try:
        for page in session.client.pages("/devices", params=query, headers=headers):
            devices.extend(to_result(device) for device in page)
    except GraphError as err:
        raise explain_graph_error(err, "list", target="devices matching %r" % odata_filter if odata_filter else "devices")
    return dict(changed=False, devices=devices)
