"""make bench: what a fleet change costs, measured against the emulator with added latency per request.

Scenarios (each on its own fresh devices that all need the change):
  a  what users write today: ansible.builtin.uri gets a token once, then a GET and a conditional PATCH per device
  b  entra.devices.azure_ad_device in a loop
  c  the same with the token cache (token_cache_path)
  d  one bulk task (devices: [...]) over JSON batching
  e  (RSS) one bulk task over many devices, for the peak memory
The module scenarios run as users run them, in the controller process (the collection's action plugin). The rows
marked "-mod" force a module process per task and per loop item (ENTRA_DEVICES_CONTROLLER_EXECUTION=false).
Peak RSS is that of the module process (AnsiballZ) when there is one, else of the controller's worker process
(a fork of ansible-playbook, so it includes the controller's own memory).

Prints a table (scenario, devices, wall seconds, ms per device, Graph requests, token requests, peak RSS of the
module process) and the per-device ratios b/a, c/a, d/a. This is a measuring script, not a test: it asserts nothing.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from entra_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position


class PeakRss:
    """Samples VmHWM (peak resident set) of the processes whose command line holds ``marker``, except ``exclude_pid``."""

    def __init__(self, marker, interval=0.02):
        self.marker = marker.encode()
        self.interval = interval
        self.exclude_pid = None
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit() or pid == str(self.exclude_pid):
                    continue
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as handle:
                        if self.marker not in handle.read():
                            continue
                    with open("/proc/%s/status" % pid) as handle:
                        for line in handle:
                            if line.startswith("VmHWM:"):
                                self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except (IOError, OSError, ValueError):
                    continue
            self._stop.wait(self.interval)


def collections_tree(workdir):
    tree = os.path.join(workdir, "collections", "ansible_collections", "entra")
    os.makedirs(tree, exist_ok=True)
    os.symlink(ROOT, os.path.join(tree, "devices"))
    return os.path.join(workdir, "collections")


def uri_play(emu, ids):
    app = emu.apps["automation"]
    common = {"ca_path": emu.ca_path}
    return [{
        "name": "a: uri loop", "hosts": "localhost", "gather_facts": False,
        "vars": {"ids": ids},
        "tasks": [
            {"name": "Get a token", "no_log": True, "register": "token", "ansible.builtin.uri": dict(
                common, url="%s/%s/oauth2/v2.0/token" % (emu.url, emu.tenant_id), method="POST", body_format="form-urlencoded",
                body={"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret,
                      "scope": emu.graph_resource + "/.default"})},
            {"name": "Read each device", "loop": "{{ ids }}", "register": "reads", "ansible.builtin.uri": dict(
                common, url=emu.url + "/v1.0/devices/{{ item }}?$select=id,extensionAttributes",
                headers={"Authorization": "Bearer {{ token.json.access_token }}"})},
            {"name": "Patch each device that differs", "loop": "{{ reads.results }}",
             "when": "item.json.extensionAttributes.extensionAttribute1 != 'bench'",
             "ansible.builtin.uri": dict(common, url=emu.url + "/v1.0/devices/{{ item.json.id }}", method="PATCH", body_format="json",
                                         body={"extensionAttributes": {"extensionAttribute1": "bench"}}, status_code=204,
                                         headers={"Authorization": "Bearer {{ token.json.access_token }}"})},
        ]}]


def module_play(emu, ids, cache_path=None, bulk=False):
    app = emu.apps["automation"]
    defaults = {"tenant_id": emu.tenant_id, "client_id": app.client_id, "client_secret": app.client_secret,
                "authority_host": emu.url, "graph_endpoint": emu.url, "ca_path": emu.ca_path}
    if cache_path:
        defaults["token_cache_path"] = cache_path
    task = {"name": "tag", "entra.devices.azure_ad_device": {"extension_attributes": {"extensionAttribute1": "bench"}}}
    if bulk:
        task["entra.devices.azure_ad_device"]["devices"] = "{{ ids }}"
    else:
        task["entra.devices.azure_ad_device"]["object_id"] = "{{ item }}"
        task["loop"] = "{{ ids }}"
    return [{"name": "module", "hosts": "localhost", "gather_facts": False, "vars": {"ids": ids},
             "module_defaults": {"group/entra.devices.graph": defaults}, "tasks": [task]}]


def run_scenario(emu, workdir, collections, label, devices, make_play, marker=None, module_process=False):
    ids = emu.add_bulk_devices(devices, prefix="bench-%s-" % label)
    emu.clear_log()
    path = os.path.join(workdir, "%s.yml" % label)
    with open(path, "w") as handle:
        json.dump(make_play(ids), handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_HOME=os.path.join(workdir, "ansible-home"),
               ENTRA_DEVICES_CONTROLLER_EXECUTION="false" if module_process else "true")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), path]
    # Without a module process, the worker is the ansible-playbook fork that runs the playbook file.
    with PeakRss(marker or path) as rss:
        started = time.monotonic()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        rss.exclude_pid = proc.pid
        stdout, stderr = proc.communicate()
        wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit("scenario %s failed:\n%s\n%s" % (label, stdout[-3000:], stderr[-3000:]))
    log = emu.requests
    tagged = sum(1 for i in ids if (emu.get_device(i)["extensionAttributes"] or {}).get("extensionAttribute1") == "bench")
    if tagged != devices:
        sys.exit("scenario %s tagged %d of %d devices" % (label, tagged, devices))
    return {"scenario": label, "devices": devices, "wall": wall, "ms_per_device": wall * 1000.0 / devices,
            "graph": len([r for r in log if r.kind == "graph"]), "tokens": len([r for r in log if r.kind in ("token", "imds")]),
            "rss_mb": rss.peak_kb / 1024.0}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=30.0, help="latency added to every emulator request (default 30)")
    parser.add_argument("--loop-devices", type=int, default=100, help="devices for scenarios a, b, c (default 100)")
    parser.add_argument("--bulk-devices", type=int, default=1000, help="devices for scenario d (default 1000)")
    parser.add_argument("--rss-devices", type=int, default=10000, help="devices for scenario e, 0 to skip (default 10000)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="entra-bench-")
    collections = collections_tree(workdir)
    rows = []
    with Emulator(workdir=os.path.join(workdir, "emulator"), latency_ms=args.latency_ms) as emu:
        module = "AnsiballZ_azure_ad_device"
        cache = os.path.join(workdir, "token-cache", "tokens.json")
        loop, bulk = args.loop_devices, args.bulk_devices
        scenarios = [
            ("a", loop, lambda ids: uri_play(emu, ids), "AnsiballZ_uri", False),
            ("b", loop, lambda ids: module_play(emu, ids), None, False),
            ("c", loop, lambda ids: module_play(emu, ids, cache_path=cache), None, False),
            ("d", bulk, lambda ids: module_play(emu, ids, bulk=True), None, False),
            ("b-mod", loop, lambda ids: module_play(emu, ids), module, True),
            ("c-mod", loop, lambda ids: module_play(emu, ids, cache_path=cache + "-mod"), module, True),
            ("d-mod", bulk, lambda ids: module_play(emu, ids, bulk=True), module, True),
        ]
        if args.rss_devices:
            scenarios += [("e", args.rss_devices, lambda ids: module_play(emu, ids, bulk=True), None, False),
                          ("e-mod", args.rss_devices, lambda ids: module_play(emu, ids, bulk=True), module, True)]
        for label, devices, make_play, marker, module_process in scenarios:
            rows.append(run_scenario(emu, workdir, collections, label, devices, make_play, marker, module_process))

    from ansible.release import __version__ as core_version  # pylint: disable=import-outside-toplevel
    print("\nlatency added per request: %.0f ms; ansible-core %s; Python %s" % (args.latency_ms, core_version, sys.version.split()[0]))
    print("%-9s %8s %9s %14s %15s %15s %14s" % ("scenario", "devices", "wall s", "ms per device", "Graph requests",
                                                "token requests", "peak RSS MB"))
    for row in rows:
        print("%-9s %8d %9.1f %14.1f %15d %15d %14.1f" % (row["scenario"], row["devices"], row["wall"], row["ms_per_device"],
                                                          row["graph"], row["tokens"], row["rss_mb"]))
    per_device = dict((row["scenario"], row["ms_per_device"]) for row in rows)
    ratios = ["%s/a %.3f" % (label, per_device[label] / per_device["a"]) for label in ("b", "c", "d", "b-mod", "c-mod", "d-mod")]
    print("\nper-device ratios:   " + "   ".join(ratios))


if __name__ == "__main__":
    main()
