# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throttling, outages, replication lag and token expiry, with the emulator's fault injection and request log as evidence."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import threading
import time

from entra_emulator.seed import DEVICES

from helpers import writes

ALICE = DEVICES["WS-ALICE-01"]
MODULE = "entra.devices.azure_ad_device"
DEVICE_PATH = r"^/v1\.0/devices/" + ALICE["id"] + "$"


def tag(value, **options):
    options.setdefault("object_id", ALICE["id"])
    return [{"name": "tag", MODULE: dict(extension_attributes={"extensionAttribute1": value}, **options), "ignore_errors": True}]


def records(emulator, method):
    return [r for r in emulator.graph_requests() if r.method == method]


def test_429_with_fractional_retry_after_on_the_patch(emulator, playbook):
    emulator.add_fault(method="PATCH", path=DEVICE_PATH, status=429, retry_after="1.5", times=1)
    run = playbook(tag("throttled"), verbosity=1)
    assert run.statuses == ["changed"], run
    patches = records(emulator, "PATCH")
    assert [p.status for p in patches] == [429, 204]
    assert patches[1].time - patches[0].time >= 1.5
    assert patches[0].body == patches[1].body == {"extensionAttributes": {"extensionAttribute1": "throttled"}}
    assert emulator.get_device(ALICE["id"])["extensionAttributes"]["extensionAttribute1"] == "throttled"
    shown = " ".join((run.stdout + run.stderr).split())  # warnings are wrapped on screen
    assert "failed (HTTP 429); retrying in 1.5 s (retry 1 of 5) as Retry-After asked" in shown, shown


def test_503_twice_on_the_read(emulator, playbook):
    emulator.add_fault(method="GET", path=DEVICE_PATH, status=503, retry_after=None, times=2)
    run = playbook(tag("after-503"))
    assert run.statuses == ["changed"], run
    assert [r.status for r in records(emulator, "GET")] == [503, 503, 200]
    assert len(writes(emulator.graph_requests())) == 1


def test_dropped_connection_on_the_read(emulator, playbook):
    emulator.add_fault(method="GET", path=DEVICE_PATH, drop=True, times=1)
    run = playbook(tag("after-drop"))
    assert run.statuses == ["changed"], run
    reads = records(emulator, "GET")
    assert len(reads) == 2 and reads[0].dropped and reads[1].status == 200
    assert emulator.get_device(ALICE["id"])["extensionAttributes"]["extensionAttribute1"] == "after-drop"


def test_endless_429_fails_within_the_bound(emulator, playbook):
    # max_retries=3 and max_retry_wait=1: at most 3 waits of 1 s; the documented cap is max_retries * max_retry_wait.
    emulator.add_fault(method="GET", path=DEVICE_PATH, status=429, retry_after="1", times=None)
    started = time.monotonic()
    run = playbook(tag("never", max_retries=3, max_retry_wait=1))
    elapsed = time.monotonic() - started
    assert run.statuses == ["failed"], run
    msg = run.result()["msg"]
    assert "throttling" in msg and "TooManyRequests" in msg and "request-id" in msg, msg
    assert "Traceback" not in run.stdout + run.stderr
    assert len(records(emulator, "GET")) == 4
    assert writes(emulator.graph_requests()) == []
    assert elapsed < 3 * 1 + 15, elapsed


def test_token_endpoint_down(emulator, playbook):
    emulator.add_fault(method="POST", path=r"/oauth2/v2\.0/token$", status=503, retry_after=None, times=None, kind="token")
    run = playbook(tag("no-token", max_retries=1, max_retry_wait=1))
    assert run.statuses == ["failed"], run
    msg = run.result()["msg"]
    assert msg.startswith("Authentication failed"), msg
    assert "Traceback" not in run.stdout + run.stderr
    assert emulator.graph_requests() == []


def test_device_that_replicates_after_four_seconds(emulator, playbook):
    late = emulator.add_device(visible_after=4.0, displayName="WS-NEW-99", operatingSystem="Windows")
    run = playbook(tag("late", object_id=late["id"], wait_timeout=30))
    assert run.statuses == ["changed"], run
    reads = records(emulator, "GET")
    assert [r.status for r in reads][-1] == 200 and all(r.status == 404 for r in reads[:-1]) and len(reads) >= 2
    assert reads[-1].time - reads[0].time >= 3.0
    assert emulator.get_device(late["id"])["extensionAttributes"]["extensionAttribute1"] == "late"


def test_device_not_replicated_yet_without_wait(emulator, playbook):
    late = emulator.add_device(visible_after=60.0, displayName="WS-NEW-98", operatingSystem="Windows")
    run = playbook(tag("late", object_id=late["id"]))
    assert run.statuses == ["failed"], run
    assert "No device with object_id %s" % late["id"] in run.result()["msg"] and "wait_timeout" in run.result()["msg"]
    assert len(records(emulator, "GET")) == 1 and writes(emulator.graph_requests()) == []


def test_waiting_says_it_waited(emulator, playbook):
    late = emulator.add_device(visible_after=60.0, displayName="WS-NEW-97", operatingSystem="Windows")
    run = playbook(tag("late", object_id=late["id"], wait_timeout=3))
    assert run.statuses == ["failed"], run
    assert "after waiting 3 s" in run.result()["msg"], run.result()["msg"]


def test_token_expiring_mid_run_gets_one_fresh_token(emulator, playbook):
    # The read is held for 2 s; the token is revoked while it waits, so Graph answers 401 and the module must
    # get exactly one new token and send the read once more.
    emulator.add_fault(method="GET", path=DEVICE_PATH, status=None, delay=2.0, times=1)

    def expire_once_issued():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not [r for r in emulator.token_requests() if r.status == 200]:
            time.sleep(0.05)
        emulator.expire_tokens()

    watcher = threading.Thread(target=expire_once_issued)
    watcher.start()
    run = playbook(tag("fresh-token"))
    watcher.join()
    assert run.statuses == ["changed"], run
    assert [r.status for r in records(emulator, "GET")] == [401, 200]
    assert len([r for r in emulator.token_requests() if r.status == 200]) == 2
    assert emulator.get_device(ALICE["id"])["extensionAttributes"]["extensionAttribute1"] == "fresh-token"


def test_eight_parallel_forks_each_tag_a_different_device(emulator, playbook, tmp_path):
    ids = emulator.add_bulk_devices(8, prefix="fork-")
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[fleet]\n" + "".join("host%d ansible_connection=local device=%s\n" % (n, i) for n, i in enumerate(ids)))
    tasks = [{"name": "tag", MODULE: {"object_id": "{{ device }}", "extension_attributes": {"extensionAttribute1": "{{ inventory_hostname }}"}}}]
    run = playbook(tasks, hosts="fleet", inventory=str(inventory), forks=8)
    assert run.rc == 0 and run.statuses == ["changed"] * 8, run
    for n, object_id in enumerate(ids):
        assert emulator.get_device(object_id)["extensionAttributes"]["extensionAttribute1"] == "host%d" % n
    assert len(writes(emulator.graph_requests())) == 8


def test_no_secret_or_token_at_vvvv_with_diff(emulator, playbook):
    app = emulator.apps["automation"]
    emulator.add_fault(method="PATCH", path=DEVICE_PATH, status=429, retry_after="0.1", times=1)
    reader = emulator.apps["reader"]
    refused = {"object_id": DEVICES["WS-CAROL-02"]["id"], "display_name": "x", "client_id": reader.client_id,
               "client_secret": reader.client_secret}
    run = playbook(tag("secret-check") + [{"name": "refused write", MODULE: refused, "ignore_errors": True}], verbosity=4, diff=True)
    assert run.statuses == ["changed", "failed"], run
    output = run.stdout + run.stderr
    for secret in (app.client_secret, emulator.apps["reader"].client_secret):
        assert secret not in output
    assert "eyJ" not in output  # no JWT (access token or client assertion) anywhere
    token = emulator.mint_token(app="automation")
    emulator.expire_tokens()
    run = playbook(tag("with-token", access_token=token), verbosity=4, diff=True)
    assert run.statuses == ["failed"], run
    assert token not in run.stdout + run.stderr and token.split(".")[2] not in run.stdout + run.stderr
