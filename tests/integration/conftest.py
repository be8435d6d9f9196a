# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration fixtures: the Graph emulator over TLS and a real ansible-playbook run against it."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))

from entra_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
# Variables that would let the machine's own credentials leak into a test; each test sets what it needs.
SCRUBBED_ENV = ("AZURE_TENANT_ID", "AZURE_TENANT", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_SECRET",
                "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_AUTHORITY_HOST",
                "AZURE_CLOUD_ENVIRONMENT", "AZURE_SUBSCRIPTION_ID", "AZURE_POD_IDENTITY_AUTHORITY_HOST")


def collections_path(tmp_root):
    """A collections tree holding entra.devices as a link to this checkout."""
    tree = os.path.join(tmp_root, "ansible_collections", "entra")
    os.makedirs(tree, exist_ok=True)
    link = os.path.join(tree, "devices")
    if not os.path.islink(link):
        os.symlink(REPO, link)
    return tmp_root


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory):
    emu = Emulator(workdir=str(tmp_path_factory.mktemp("emulator")))
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def emulator(emulator_server):
    """The emulator with its seed data restored and an empty request log."""
    emulator_server.reset()
    return emulator_server


class PlaybookRun:
    def __init__(self, proc, results):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.results = results

    @property
    def statuses(self):
        return [r["status"] for r in self.results]

    def result(self, index=-1):
        return self.results[index]["result"]

    def __repr__(self):
        return "PlaybookRun(rc=%s, statuses=%s)\nSTDOUT:\n%s\nSTDERR:\n%s" % (self.rc, self.statuses, self.stdout, self.stderr)


@pytest.fixture(scope="session")
def ansible_home(tmp_path_factory):
    root = tmp_path_factory.mktemp("ansible")
    return {"collections": collections_path(str(root)), "root": str(root)}


@pytest.fixture
def auth(emulator):
    """module_defaults for the automation app (client secret) against the emulator."""
    app = emulator.apps["automation"]
    return {
        "tenant_id": emulator.tenant_id,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "authority_host": emulator.url,
        "graph_endpoint": emulator.url,
        "ca_path": emulator.ca_path,
    }


@pytest.fixture
def playbook(ansible_home, tmp_path, auth):
    """Run tasks through a real ansible-playbook; returns a PlaybookRun with each task's status and result."""
    counter = {"n": 0}

    def run(tasks, defaults=None, check=False, diff=False, env=None, verbosity=0, use_auth=True, forks=None,
            hosts="localhost", inventory=None):
        counter["n"] += 1
        name = "play-%d" % counter["n"]
        module_defaults = dict(auth) if use_auth else {}
        module_defaults.update(defaults or {})
        play = {"name": name, "hosts": hosts, "gather_facts": False, "tasks": tasks}
        if module_defaults:
            play["module_defaults"] = {"group/entra.devices.graph": module_defaults}
        path = tmp_path / (name + ".yml")
        path.write_text(json.dumps([play], indent=2))  # JSON is YAML
        results_file = tmp_path / (name + ".results.jsonl")
        run_env = dict((k, v) for k, v in os.environ.items() if k not in SCRUBBED_ENV)
        run_env.update({
            "ANSIBLE_COLLECTIONS_PATH": ansible_home["collections"],
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "RECORD_RESULTS_FILE": str(results_file),
            "ANSIBLE_LOCAL_TEMP": os.path.join(ansible_home["root"], "tmp"),
            "ANSIBLE_HOME": ansible_home["root"],
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        })
        # ENTRA_TEST_EXECUTION=module forces the module process instead of the controller-side action plugin,
        # so the suite can prove both paths (hack/test.sh runs it both ways).
        if os.environ.get("ENTRA_TEST_EXECUTION") == "module":
            run_env["ENTRA_DEVICES_CONTROLLER_EXECUTION"] = "false"
        run_env.update(env or {})
        command = [os.path.join(BIN, "ansible-playbook"), str(path)]
        if inventory:
            command += ["-i", inventory]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        if forks:
            command += ["--forks", str(forks)]
        proc = subprocess.run(command, env=run_env, capture_output=True, text=True, timeout=600, check=False)
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]
        return PlaybookRun(proc, results)

    return run
