# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: azure_ad_device's bulk mode over Graph JSON batching.

Twenty devices at a time: one batch of reads, then one batch of writes for the devices that differ. Items that
are throttled are sent again after their own Retry-After; one device's failure never stops the others.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.entra.devices.plugins.module_utils._device import (
    EXTENSION_OPTION, IDENTIFIER_SPEC, PROPERTY_SPEC, build_diff, build_patch, check_rules, desired_properties,
    explain_graph_error, explain_patch_error, normalize_extension_attributes, predict_device, to_result, validate_identifier,
)
from ansible_collections.entra.devices.plugins.module_utils._errors import EntraError, InputError
from ansible_collections.entra.devices.plugins.module_utils._graph import RETRY_STATUSES, device_path, graph_error, parse_retry_after
from ansible_collections.entra.devices.plugins.module_utils._lookup import describe_identifier, lookup_result, lookup_url

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
    Items that set no property of their own share the task's desired properties instead of each holding a copy.
    """
    validator = ArgumentSpecValidator(ITEM_SPEC)
    task_desired = desired_properties(params)
    task_purge = bool(params["purge_extension_attributes"])
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
        try:
            identifier = validate_identifier(given)
            if all(given[option] is None for option in ITEM_SPEC if option not in IDENTIFIER_SPEC):
                items.append(BulkItem(index, identifier, task_desired, task_purge))
                continue
            merged = dict((option, given[option] if given[option] is not None else params.get(option)) for option in ITEM_SPEC)
            if given[EXTENSION_OPTION] is not None and params.get(EXTENSION_OPTION) is not None:
                # Keys are case-insensitive: make both canonical before the item's values win.
                merged[EXTENSION_OPTION] = dict(normalize_extension_attributes(params[EXTENSION_OPTION]),
                                                **normalize_extension_attributes(given[EXTENSION_OPTION]))
            items.append(BulkItem(index, identifier, desired_properties(merged), bool(merged["purge_extension_attributes"])))
        except InputError as exc:
            raise InputError("devices[%d]: %s" % (index, exc.msg))
    return items


def send_batch(client, batch_requests, on_retry):
    """Send items as one batch; items Graph throttled or failed transiently go again after their own Retry-After,
    under the same retry policy as single requests.

    Returns {id: (status, headers, body)} for every item. A batch that fails as a whole raises (GraphError, TransportError).
    """
    policy = client.transport.retry_policy
    started = policy.clock()
    pending = dict((item["id"], item) for item in batch_requests)
    answers = {}
    attempt = 0
    while pending:
        attempt += 1
        responses = client.batch(list(pending.values()))
        retry = {}
        waits = []
        for item_id in pending:
            answer = responses.get(item_id)
            if answer is None:
                answers[item_id] = (502, {}, {"error": {"code": "BatchItemMissing", "message": "Graph's batch answer left this item out."}})
                continue
            status = int(answer.get("status", 0))
            headers = dict((str(k).lower(), v) for k, v in (answer.get("headers") or {}).items())
            wait = policy.next_wait(attempt, started, parse_retry_after(headers.get("retry-after"))) if status in RETRY_STATUSES else None
            if wait is None:
                answers[item_id] = (status, headers, answer.get("body"))
            else:
                retry[item_id] = pending[item_id]
                waits.append(wait)
        pending = retry
        if pending:
            wait = max(waits)
            on_retry("%d of the batched requests were throttled or failed transiently; sending them again in %.1f s "
                     "(retry %d of %d)." % (len(pending), wait, attempt, policy.max_retries))
            policy.sleep(wait)
    return answers


def send_chunk(client, batch_requests, on_retry):
    """send_batch, but a batch that fails as a whole becomes the same failure for each of its items."""
    try:
        return send_batch(client, batch_requests, on_retry), None
    except EntraError as exc:
        return None, exc


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
        reads, failure = send_chunk(client, [{"id": str(item.index), "method": "GET", "url": lookup_url(item.identifier)}
                                             for item in chunk], module.warn)
        plans = []
        for item in chunk:
            entry = {"index": item.index, item.identifier[0]: item.identifier[1], "changed": False, "changes": {}, "device": {}}
            results.append(entry)
            if failure is not None:
                _fail_entry(entry, failure, item)
                continue
            try:
                device = _device_from_read(item, reads[str(item.index)])
                if state == "absent":
                    if device is not None:
                        plans.append((item, entry, device, None, {"method": "DELETE", "url": device_path(object_id=device["id"])}))
                    continue
                if device is None:
                    raise EntraError("no such device exists.")
                patch = build_patch(device, item.desired, item.purge)
                entry["device"] = to_result(device)
                if patch:
                    if app_only is None:
                        app_only = session.caller_is_app_only()
                    check_rules(device, patch, app_only)
                    plans.append((item, entry, device, patch, {"method": "PATCH", "url": device_path(object_id=device["id"]),
                                                               "headers": {"Content-Type": "application/json"}, "body": patch}))
            except EntraError as exc:
                _fail_entry(entry, exc, item)
        writes, failure = None, None
        if plans and not module.check_mode:
            writes, failure = send_chunk(client, [dict(plan[4], id=str(plan[0].index)) for plan in plans], module.warn)
        for item, entry, device, patch, request in plans:
            error = failure or (_write_error(writes[str(item.index)], request, device, patch) if writes is not None else None)
            if error is not None:
                _fail_entry(entry, error, item)
            else:
                _record_change(entry, item, device, patch, diffs if module._diff else None)
    failures = [entry for entry in results if entry.get("failed")]
    result = dict(changed=any(entry["changed"] for entry in results), results=results)
    if module._diff:
        result["diff"] = diffs
    if failures:
        raise EntraError("%d of %d devices failed (the others were processed): %s" % (
            len(failures), len(results), "; ".join(entry["msg"] for entry in failures[:10])
            + ("; ..." if len(failures) > 10 else "")), **result)
    return result


def _write_error(answer, request, device, patch):
    """The error of one batched write, or None. A DELETE that finds the device gone (deleted meanwhile, or a
    retried success) has its result."""
    status, headers, body = answer
    if status < 400 or (request["method"] == "DELETE" and status == 404):
        return None
    err = graph_error(status, headers, body, request["method"], request["url"])
    return explain_patch_error(err, device, patch) if patch else explain_graph_error(err, "delete", device)


def _record_change(entry, item, device, patch, diffs):
    """A planned write that went through (or would, in check mode): the entry and, in diff mode (``diffs``), the diff."""
    if patch is None:  # a deletion
        entry.update(changed=True, device={})
        if diffs is not None:
            diffs.append({"before_header": item.label(), "after_header": item.label(), "before": to_result(device), "after": {}})
        return
    predicted = predict_device(device, patch)
    entry.update(changed=True, changes=patch, device=to_result(predicted))
    if diffs is not None:
        diff = build_diff(device, predicted, item.desired, item.purge)
        diff["before_header"] = diff["after_header"] = item.label()
        diffs.append(diff)


def _device_from_read(item, answer):
    status, headers, body = answer
    if status == 404:
        return None
    if status >= 400:
        raise explain_graph_error(graph_error(status, headers, body, "GET", lookup_url(item.identifier)), "read",
                                  target=describe_identifier(item.identifier))
    return lookup_result(item.identifier, body)


def _fail_entry(entry, exc, item):
    entry.update(failed=True, changed=False, changes={}, msg="%s: %s" % (item.label(), exc.msg))
    for key in ("error_code", "request_id", "status", "candidates", "rule"):
        if key in exc.details:
            entry[key] = exc.details[key]
