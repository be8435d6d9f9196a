# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: azure_ad_device's bulk mode over Graph JSON batching.

Twenty devices at a time: one batch of reads, then one batch of writes for the devices that differ. Items that
are throttled are sent again after their own Retry-After; one device's failure never stops the others.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

try:
    from urllib.parse import urlencode, quote
except ImportError:  # pragma: no cover
    from urllib import urlencode, quote  # type: ignore

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.entra.devices.plugins.module_utils._device import (
    EXTENSION_OPTION, IDENTIFIER_SPEC, PROPERTY_SPEC, SELECT, build_diff, build_patch, check_rules, desired_properties, explain_graph_error,
    explain_patch_error, predict_device, to_result, validate_identifier,
)
from ansible_collections.entra.devices.plugins.module_utils._errors import EntraError, GraphError, InputError
from ansible_collections.entra.devices.plugins.module_utils._graph import RETRY_STATUSES, device_path, graph_error, odata_quote

BATCH_SIZE = 20
# What one item of ``devices`` may hold; nothing has a default, so None means "not given here".
ITEM_SPEC = dict(IDENTIFIER_SPEC, purge_extension_attributes=dict(type="bool"), **PROPERTY_SPEC)


class BulkItem:
    """One entry of the ``devices`` option, validated, with the task-level properties merged in."""

    __slots__ = ("index", "identifier", "desired", "purge")

    def __init__(self, index, identifier, desired, purge):
        self.index = index
        self.identifier = identifier
        self.desired = desired
        self.purge = purge

    def label(self):
        return "devices[%d] (%s %s)" % (self.index, self.identifier[0], self.identifier[1])


def parse_items(params):
    """Validate every item before any request, with the same type rules as the task's own options.

    Task-level properties apply unless the item sets them; extension_attributes merge key by key, the item's value winning.
    """
    validator = ArgumentSpecValidator(ITEM_SPEC)
    items = []
    for index, raw in enumerate(params["devices"]):
        if isinstance(raw, str):
            raw = {"object_id": raw}
        if not isinstance(raw, dict):
            raise InputError("devices[%d] must be an object id or a dictionary, got %s." % (index, type(raw).__name__))
        validation = validator.validate(raw)
        if validation.error_messages:
            unsupported = isinstance(validation.errors[0], UnsupportedError)
            raise InputError("devices[%d]: %s%s" % (index, "Unsupported parameters: " if unsupported else "", validation.errors.msg))
        given = validation.validated_parameters
        merged = dict((option, given[option] if given[option] is not None else params.get(option)) for option in ITEM_SPEC)
        for option in IDENTIFIER_SPEC:
            merged[option] = given[option]
        if given[EXTENSION_OPTION] is not None and params.get(EXTENSION_OPTION) is not None:
            extensions = dict(params[EXTENSION_OPTION])
            extensions.update(given[EXTENSION_OPTION])
            merged[EXTENSION_OPTION] = extensions
        try:
            identifier = validate_identifier(merged)
            desired = desired_properties(merged)
        except InputError as exc:
            raise InputError("devices[%d]: %s" % (index, exc.msg))
        items.append(BulkItem(index, identifier, desired, bool(merged["purge_extension_attributes"])))
    return items


def read_url(identifier):
    option, value = identifier
    if option == "name":
        query = {"$filter": "displayName eq %s" % odata_quote(value), "$select": SELECT, "$top": "100"}
    else:
        query = {"$select": SELECT}
    path = "/devices" if option == "name" else (device_path(object_id=value) if option == "object_id" else device_path(device_id=value))
    return path + "?" + urlencode(query, quote_via=quote, safe="$,'")


def send_batch(client, batch_requests, on_retry):
    """Send items as one batch; items Graph throttled or failed transiently go again after their own Retry-After.

    Returns {id: (status, headers, body)} for every item.
    """
    policy = client.transport.retry_policy
    pending = dict((item["id"], item) for item in batch_requests)
    answers = {}
    attempt = 0
    while pending:
        attempt += 1
        responses = client.batch(list(pending.values()))
        retry = {}
        waits = []
        for item_id, item in pending.items():
            answer = responses.get(item_id)
            if answer is None:
                answers[item_id] = (502, {}, {"error": {"code": "BatchItemMissing", "message": "Graph's batch answer left this item out."}})
                continue
            status = int(answer.get("status", 0))
            headers = answer.get("headers") or {}
            if status in RETRY_STATUSES and attempt <= policy.max_retries:
                retry[item_id] = item
                error = graph_error(status, headers, answer.get("body"), item["method"], item["url"])
                waits.append(policy.delay(attempt, error.retry_after))
            else:
                answers[item_id] = (status, headers, answer.get("body"))
        pending = retry
        if pending:
            wait = max(waits)
            on_retry("%d of the batched requests were throttled or failed transiently; sending them again in %.1f s "
                     "(retry %d of %d)." % (len(pending), wait, attempt, policy.max_retries))
            policy.sleep(wait)
    return answers


def ensure_devices(module, session):
    """azure_ad_device with ``devices``: converge many devices with two round trips per twenty."""
    params = module.params
    items = parse_items(params)
    state = params["state"]
    if state == "absent" and any(item.desired or item.purge for item in items):
        raise InputError("state=absent deletes the devices; do not combine it with properties to set.")
    client = session.client
    app_only = None
    results = []
    diffs = []
    for start in range(0, len(items), BATCH_SIZE):
        chunk = items[start:start + BATCH_SIZE]
        reads = send_batch(client, [{"id": str(item.index), "method": "GET", "url": read_url(item.identifier)} for item in chunk],
                           module.warn)
        plans = []
        for item in chunk:
            entry = {"index": item.index, item.identifier[0]: item.identifier[1], "changed": False, "changes": {}, "device": {}}
            try:
                device = _device_from_read(item, reads[str(item.index)])
                if state == "absent":
                    if device is not None:
                        plans.append((item, entry, device, None, {"method": "DELETE", "url": device_path(object_id=device["id"])}))
                        entry["changed"] = True
                        diffs.append({"before_header": item.label(), "before": to_result(device), "after": {}})
                    results.append(entry)
                    continue
                if device is None:
                    raise EntraError("%s: no such device exists." % item.label())
                patch = build_patch(device, item.desired, item.purge)
                predicted = predict_device(device, patch)
                if patch:
                    if app_only is None:
                        app_only = session.caller_is_app_only()
                    check_rules(device, patch, app_only)
                    plans.append((item, entry, device, patch, {"method": "PATCH", "url": device_path(object_id=device["id"]),
                                                               "headers": {"Content-Type": "application/json"}, "body": patch}))
                entry.update(changed=bool(patch), changes=patch, device=to_result(predicted))
                if module._diff and patch:
                    diff = build_diff(device, predicted, item.desired, item.purge)
                    diff["before_header"] = diff["after_header"] = item.label()
                    diffs.append(diff)
            except EntraError as exc:
                _fail_entry(entry, exc)
            results.append(entry)
        if plans and not module.check_mode:
            writes = send_batch(client, [dict(plan[4], id=str(plan[0].index)) for plan in plans], module.warn)
            for item, entry, device, patch, request in plans:
                status, headers, body = writes[str(item.index)]
                if status >= 400 and not (request["method"] == "DELETE" and status == 404):
                    err = graph_error(status, headers, body, request["method"], request["url"])
                    err = explain_patch_error(err, device, patch) if patch else explain_graph_error(err, "delete", device)
                    _fail_entry(entry, err)
                    entry["device"] = to_result(device) if patch else {}
    failures = [entry for entry in results if entry.get("failed")]
    result = dict(changed=any(entry["changed"] for entry in results), results=results)
    if module._diff:
        result["diff"] = diffs
    if failures:
        raise EntraError("%d of %d devices failed (the others were processed): %s" % (
            len(failures), len(results), "; ".join(entry["msg"] for entry in failures[:10])
            + ("; ..." if len(failures) > 10 else "")), **result)
    return result


def _device_from_read(item, answer):
    status, headers, body = answer
    if status == 404:
        return None
    if status >= 400:
        raise explain_graph_error(graph_error(status, headers, body, "GET", read_url(item.identifier)), "read",
                                  target=item.label())
    if item.identifier[0] != "name":
        return body
    matches = (body or {}).get("value", [])
    if len(matches) > 1:
        raise EntraError("%s: %d devices have that name; use object_id or device_id. Candidates: %s."
                         % (item.label(), len(matches), ", ".join(d.get("id") for d in matches)))
    return matches[0] if matches else None


def _fail_entry(entry, exc):
    entry.update(failed=True, changed=False, msg=exc.msg)
    for key in ("error_code", "request_id", "status"):
        if key in exc.details:
            entry[key] = exc.details[key]
    if isinstance(exc, GraphError):
        entry["changes"] = {}
