# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module run the way AWX runs it: through ansible-runner, with the environment that AWX's
built-in "Microsoft Azure Resource Manager" credential injects, against the Graph emulator."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import sys

import ansible_runner
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))

from entra_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from entra_emulator.seed import DEVICES  # noqa: E402  pylint: disable=wrong-import-position

DEVICE = DEVICES["WS-ALICE-01"]["id"]
TASK = "Tag the device"
PLAYBOOK = """\
- name: Tag a device as AWX would
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {task}
      entra.devices.azure_ad_device:
        object_id: {device}
        extension_attributes:
          extensionAttribute1: x
        authority_host: {url}
        graph_endpoint: {url}
        ca_path: {ca}
"""


@pytest.fixture
def emulator(tmp_path):
    emu = Emulator(workdir=str(tmp_path / "emulator"))
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def private_data_dir(tmp_path, emulator):
    """An ansible-runner private data directory: project/site.yml and a local inventory."""
    root = tmp_path / "runner"
    (root / "project").mkdir(parents=True)
    (root / "inventory").mkdir()
    (root / "project" / "site.yml").write_text(
        PLAYBOOK.format(task=TASK, device=DEVICE, url=emulator.url, ca=emulator.ca_path))
    # The module runs on this interpreter, which has msal and requests (an EE has them from meta/).
    (root / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    return root


@pytest.fixture
def collections_path(tmp_path):
    tree = tmp_path / "collections" / "ansible_collections" / "entra"
    tree.mkdir(parents=True)
    (tree / "devices").symlink_to(REPO)
    return str(tmp_path / "collections")


@pytest.fixture(autouse=True)
def runner_env(monkeypatch):
    """Only what the credential injects may reach the module, not this machine's own AZURE_* variables;
    ansible-runner starts the ansible-playbook installed beside this interpreter."""
    for name in list(os.environ):
        if name.startswith("AZURE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


def awx_azure_rm_env(emulator):
    """Exactly the variables AWX's Azure Resource Manager credential (service principal) injects."""
    app = emulator.apps["automation"]
    return {
        "AZURE_CLIENT_ID": app.client_id,
        "AZURE_SECRET": app.client_secret,
        "AZURE_TENANT": emulator.tenant_id,
        "AZURE_SUBSCRIPTION_ID": "00000000-0000-4000-8000-0000000000aa",
        "AZURE_CLOUD_ENVIRONMENT": "AzureCloud",
    }


def task_results(run):
    """(event name, changed) of every final result of our task, in order."""
    results = []
    for event in run.events:
        data = event.get("event_data", {})
        if data.get("task") == TASK and event["event"] in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable"):
            results.append((event["event"], data.get("res", {}).get("changed")))
    return results


def graph_writes(emulator):
    """(method, path, body, caller) of every Graph write so far."""
    return [(r.method, r.path, r.body, r.client_id) for r in emulator.graph_requests()
            if r.method in ("PATCH", "DELETE", "POST")]


# pexpect (the way AWX runs ansible-runner) forks while the emulator's threads run; the child execs at once.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of forkpty:DeprecationWarning")
def test_awx_credential_env_changed_then_ok(emulator, private_data_dir, collections_path):
    envvars = dict(awx_azure_rm_env(emulator), ANSIBLE_COLLECTIONS_PATH=collections_path)
    app = emulator.apps["automation"]
    patch = ("PATCH", "/v1.0/devices/%s" % DEVICE, {"extensionAttributes": {"extensionAttribute1": "x"}}, app.client_id)

    def run_once(ident):
        return ansible_runner.run(private_data_dir=str(private_data_dir), playbook="site.yml", envvars=envvars,
                                  ident=ident, quiet=True)

    first = run_once("first")
    assert (first.status, first.rc) == ("successful", 0), first.stdout.read()
    assert task_results(first) == [("runner_on_ok", True)]
    assert graph_writes(emulator) == [patch]
    assert emulator.get_device(DEVICE)["extensionAttributes"]["extensionAttribute1"] == "x"

    second = run_once("second")
    assert (second.status, second.rc) == ("successful", 0), second.stdout.read()
    assert task_results(second) == [("runner_on_ok", False)]
    assert graph_writes(emulator) == [patch], "the second run must not write"
    stats = [e["event_data"] for e in second.events if e["event"] == "playbook_on_stats"][-1]
    assert stats["changed"] == {} and stats["ok"] == {"localhost": 1}
