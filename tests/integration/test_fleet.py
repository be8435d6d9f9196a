# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet scale: azure_ad_device_info paging and filters, bulk mode over JSON batching, and the token cache."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import math

from entra_emulator.seed import DEVICES

MODULE = "entra.devices.azure_ad_device"
INFO = "entra.devices.azure_ad_device_info"


def batches(emulator):
    return [r for r in emulator.graph_requests() if r.kind == "graph" and r.path == "/v1.0/$batch"]


def items(emulator, method):
    return [r for r in emulator.graph_requests() if r.kind == "batch-item" and r.method == method]


def test_info_follows_every_page(emulator, playbook):
    ids = emulator.add_bulk_devices(250, prefix="page-")
    run = playbook([{"name": "list", INFO: {"filter": "startswith(displayName,'page-')", "page_size": 100}}])
    assert run.statuses == ["ok"], run
    devices = run.result()["devices"]
    assert sorted(d["object_id"] for d in devices) == sorted(ids)
    reads = emulator.graph_requests()
    assert [r.method for r in reads] == ["GET"] * 3
    assert "$skiptoken" in reads[1].query and "$skiptoken" in reads[2].query
    assert set(devices[0]) >= {"object_id", "device_id", "display_name", "extension_attributes", "account_enabled"}


def test_info_everything_and_by_identifier(emulator, playbook):
    run = playbook([{"name": "all", INFO: {}},
                    {"name": "by name", INFO: {"name": "KIOSK-LOBBY"}},
                    {"name": "by id", INFO: {"object_id": DEVICES["MAC-BOB-01"]["id"]}},
                    {"name": "missing", INFO: {"device_id": "00000000-0000-4000-8000-000000000000"}}], check=True)
    assert run.statuses == ["ok"] * 4, run
    assert len(run.result(0)["devices"]) == len(DEVICES)
    assert sorted(d["object_id"] for d in run.result(1)["devices"]) == sorted(
        [DEVICES["KIOSK-LOBBY#1"]["id"], DEVICES["KIOSK-LOBBY#2"]["id"]])
    assert [d["display_name"] for d in run.result(2)["devices"]] == ["MAC-BOB-01"]
    assert run.result(3)["devices"] == []


def test_info_extension_attribute_filter_uses_the_advanced_query_form(emulator, playbook):
    run = playbook([{"name": "finance", INFO: {"filter": "extensionAttributes/extensionAttribute1 eq 'Finance'"}}])
    assert run.statuses == ["ok"], run
    assert [d["object_id"] for d in run.result()["devices"]] == [DEVICES["WS-CAROL-02"]["id"]]
    read = emulator.graph_requests()[0]
    assert read.headers.get("ConsistencyLevel") == "eventual" and read.query.get("$count") == "true"


def test_bulk_changes_exactly_the_devices_that_differ(emulator, playbook):
    ids = emulator.add_bulk_devices(100, prefix="kiosk-")
    already = ids[:40]
    run = playbook([{"name": "pre-tag", MODULE: {"devices": already, "extension_attributes": {"extensionAttribute1": "kiosk"}}}])
    assert run.statuses == ["changed"], run
    emulator.clear_log()

    tasks = [dict({"name": "tag all", MODULE: {"devices": ids, "extension_attributes": {"extensionAttribute1": "kiosk"}}})]
    run = playbook(tasks)
    assert run.statuses == ["changed"], run
    results = run.result()["results"]
    assert len(results) == 100
    assert [r["object_id"] for r in results if r["changed"]] == ids[40:]
    # Only batched requests: 5 batches of 20 reads, then 3 batches of 20 writes.
    graph = emulator.graph_requests()
    assert all(r.kind == "batch-item" or r.path == "/v1.0/$batch" for r in graph)
    assert len(batches(emulator)) == 5 + 3
    assert len(items(emulator, "GET")) == 100
    patched = items(emulator, "PATCH")
    assert sorted(r.path.rsplit("/", 1)[1] for r in patched) == sorted(ids[40:])
    assert all(r.body == {"extensionAttributes": {"extensionAttribute1": "kiosk"}} for r in patched)
    assert all(emulator.get_device(i)["extensionAttributes"]["extensionAttribute1"] == "kiosk" for i in ids)


def test_bulk_with_nothing_to_change_costs_one_read_batch_per_twenty(emulator, playbook):
    ids = emulator.add_bulk_devices(45, prefix="same-")
    run = playbook([{"name": "no-op", MODULE: {"devices": ids, "account_enabled": True}}])
    assert run.statuses == ["ok"], run
    # HTTP requests to Graph (batch items travel inside them): ceil(N/20) reads, nothing else.
    assert len([r for r in emulator.graph_requests() if r.kind == "graph"]) == len(batches(emulator)) == math.ceil(45 / 20)
    assert items(emulator, "PATCH") == []
    assert len([r for r in emulator.token_requests() if r.kind == "token"]) == 1


def test_bulk_items_override_task_level_properties(emulator, playbook):
    ids = emulator.add_bulk_devices(3, prefix="mixed-")
    run = playbook([{"name": "mixed", MODULE: {
        "extension_attributes": {"extensionAttribute1": "kiosk"}, "account_enabled": False,
        "devices": [ids[0], {"object_id": ids[1], "account_enabled": True, "extension_attributes": {"extensionAttribute2": "lobby"}},
                    {"name": "mixed-00003", "display_name": "mixed-renamed"}]}}], diff=True)
    assert run.statuses == ["changed"], run
    first, second, third = (emulator.get_device(i) for i in ids)
    assert first["accountEnabled"] is False and first["extensionAttributes"]["extensionAttribute1"] == "kiosk"
    assert second["accountEnabled"] is True and second["extensionAttributes"]["extensionAttribute1"] == "kiosk"
    assert second["extensionAttributes"]["extensionAttribute2"] == "lobby"
    assert third["displayName"] == "mixed-renamed" and third["accountEnabled"] is False


def test_throttled_batch_item_is_retried_after_its_own_retry_after(emulator, playbook):
    ids = emulator.add_bulk_devices(5, prefix="throttle-")
    emulator.add_fault(method="PATCH", path=r"/devices/%s$" % ids[2], status=429, retry_after="1", times=1)
    run = playbook([{"name": "tag", MODULE: {"devices": ids, "extension_attributes": {"extensionAttribute3": "t"}}}])
    assert run.statuses == ["changed"], run
    patches = items(emulator, "PATCH")
    throttled = [r for r in patches if r.path.endswith(ids[2])]
    assert [r.status for r in throttled] == [429, 204]
    assert throttled[1].time - throttled[0].time >= 1.0
    assert len(patches) == 6  # five writes, one of them twice
    assert all(emulator.get_device(i)["extensionAttributes"]["extensionAttribute3"] == "t" for i in ids)


def test_one_failing_device_does_not_stop_the_others(emulator, playbook):
    ids = emulator.add_bulk_devices(4, prefix="partial-")
    missing = "00000000-0000-4000-8000-0000000000ff"
    linux = DEVICES["LNX-BUILD-01"]["id"]
    run = playbook([{"name": "tag", MODULE: {"devices": ids[:2] + [missing, linux] + ids[2:],
                                             "extension_attributes": {"extensionAttribute4": "wave-1"}},
                     "ignore_errors": True}])
    assert run.statuses == ["failed"], run
    result = run.result()
    assert result["changed"] is True
    assert "2 of 6 devices failed" in result["msg"] and missing in result["msg"] and "known Graph issue" in result["msg"]
    failed = [r["object_id"] for r in result["results"] if r.get("failed")]
    assert failed == [missing, linux]
    assert [r["object_id"] for r in result["results"] if r["changed"]] == ids
    assert all(emulator.get_device(i)["extensionAttributes"]["extensionAttribute4"] == "wave-1" for i in ids)
    assert emulator.get_device(linux)["extensionAttributes"]["extensionAttribute4"] is None
    assert not [r for r in items(emulator, "PATCH") if r.path.endswith(linux)]


def test_bulk_check_mode_sends_no_write(emulator, playbook):
    ids = emulator.add_bulk_devices(25, prefix="check-")
    run = playbook([{"name": "preview", MODULE: {"devices": ids, "account_enabled": False}}], check=True, diff=True)
    assert run.statuses == ["changed"], run
    assert all(r["changed"] and r["device"]["account_enabled"] is False for r in run.result()["results"])
    assert items(emulator, "PATCH") == [] and len(batches(emulator)) == 2
    assert all(emulator.get_device(i)["accountEnabled"] is True for i in ids)


def test_bulk_delete(emulator, playbook):
    ids = emulator.add_bulk_devices(3, prefix="retire-")
    run = playbook([{"name": "retire", MODULE: {"devices": ids, "state": "absent"}},
                    {"name": "retire again", MODULE: {"devices": ids, "state": "absent"}}])
    assert run.statuses == ["changed", "ok"], run
    assert all(emulator.get_device(i) is None for i in ids)
    assert len(items(emulator, "DELETE")) == 3


def test_token_cache_one_token_per_play(emulator, playbook, tmp_path):
    cache = str(tmp_path / "private" / "tokens.json")
    ids = emulator.add_bulk_devices(5, prefix="loop-")
    run = playbook([{"name": "tag each", MODULE: {"object_id": "{{ item }}", "extension_attributes": {"extensionAttribute5": "x"}},
                     "loop": ids}], defaults={"token_cache_path": cache})
    assert run.rc == 0, run
    assert [r.kind for r in emulator.token_requests()] == ["token"]
    assert len([r for r in emulator.requests if r.kind == "discovery"]) == 1
    assert len(items(emulator, "PATCH")) == 0 and len([r for r in emulator.graph_requests() if r.method == "PATCH"]) == 5
    with open(cache) as handle:
        assert emulator.apps["automation"].client_secret not in handle.read()


def test_loop_items_share_one_token_on_the_controller(emulator, playbook):
    """Controller execution keeps the token for every loop item; a module process per item fetches its own."""
    ids = emulator.add_bulk_devices(3, prefix="exec-")
    tasks = [{"name": "tag each", MODULE: {"object_id": "{{ item }}", "extension_attributes": {"extensionAttribute6": "y"}}, "loop": ids}]
    on_controller = playbook(tasks, env={"ENTRA_DEVICES_CONTROLLER_EXECUTION": "true"})
    assert on_controller.statuses == ["changed"], on_controller
    assert len([r for r in emulator.token_requests() if r.kind == "token"]) == 1
    emulator.clear_log()
    in_module_processes = playbook([dict(tasks[0], **{MODULE: dict(tasks[0][MODULE], extension_attributes={"extensionAttribute6": "z"})})],
                                   env={"ENTRA_DEVICES_CONTROLLER_EXECUTION": "false"})
    assert in_module_processes.statuses == ["changed"], in_module_processes
    assert len([r for r in emulator.token_requests() if r.kind == "token"]) == 3
    assert all(emulator.get_device(i)["extensionAttributes"]["extensionAttribute6"] == "z" for i in ids)


def test_a_task_environment_runs_a_module_process(emulator, playbook):
    """A task `environment` must reach the module, so the controller-side shortcut steps aside for it."""
    ids = emulator.add_bulk_devices(2, prefix="env-")
    app = emulator.apps["automation"]
    tasks = [{"name": "tag each", MODULE: {"object_id": "{{ item }}", "extension_attributes": {"extensionAttribute7": "e"}},
              "loop": ids, "environment": {"AZURE_CLIENT_SECRET": app.client_secret}}]
    defaults = {"tenant_id": emulator.tenant_id, "client_id": app.client_id, "authority_host": emulator.url,
                "graph_endpoint": emulator.url, "ca_path": emulator.ca_path}
    run = playbook(tasks, use_auth=False, defaults=defaults, env={"ENTRA_DEVICES_CONTROLLER_EXECUTION": "true"})
    assert run.statuses == ["changed"], run
    # One token per loop item: each ran in its own module process, which read the secret from the task environment.
    assert len([r for r in emulator.token_requests() if r.kind == "token"]) == 2
    assert all(emulator.get_device(i)["extensionAttributes"]["extensionAttribute7"] == "e" for i in ids)
