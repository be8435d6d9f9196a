"""Command line: run the emulator in the foreground until SIGTERM or SIGINT."""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from .emulator import CLOUDS, Emulator
from .faults import parse_fault_spec


def _write_atomic(path, text):
    """Scripts wait for these files to appear, so they must never be seen half-written."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _shell_quote(value):
    return "'%s'" % value.replace("'", "'\"'\"'")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m entra_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8443, help="port, 0 picks a free one (default 8443)")
    parser.add_argument("--workdir", default="./.emulator", help="directory for the CA, certificates and config files")
    parser.add_argument("--latency-ms", type=float, default=0, help="latency added to every non-admin request")
    parser.add_argument("--bulk", type=int, default=0, help="add this many extra Windows devices named bulk-NNNNN")
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC",
                        help="inject a fault, METHOD:PATH_REGEX[:STATUS|:drop][:retry_after=S][:times=N][:delay=S][:kind=K]")
    parser.add_argument("--cloud", choices=sorted(CLOUDS), default="AzureCloud", help="which Graph resource tokens are for")
    parser.add_argument("--no-seed", action="store_true", help="start with an empty directory")
    parser.add_argument("--verbose", action="store_true", help="print one line per request on stderr")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        faults = [parse_fault_spec(spec) for spec in args.fault]
    except ValueError as error:
        sys.exit("invalid --fault: %s" % error)
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    env_path = os.path.join(workdir, "emulator.env")
    config_path = os.path.join(workdir, "emulator.json")
    for stale in (env_path, config_path):
        if os.path.exists(stale):
            os.unlink(stale)

    emulator = Emulator(workdir=workdir, host=args.host, port=args.port, latency_ms=args.latency_ms, seed=not args.no_seed,
                        cloud_resource=CLOUDS[args.cloud], verbose=args.verbose)
    if args.bulk:
        emulator.add_bulk_devices(args.bulk)
    for fault in faults:
        emulator.add_fault(**fault)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    emulator.start()
    try:
        automation = emulator.apps["automation"]
        _write_atomic(config_path, json.dumps(emulator.config(), indent=2) + "\n")
        exports = {"ENTRA_EMULATOR_URL": emulator.url, "ENTRA_EMULATOR_CA": emulator.ca_path, "AZURE_TENANT_ID": emulator.tenant_id,
                   "AZURE_CLIENT_ID": automation.client_id, "AZURE_CLIENT_SECRET": automation.client_secret}
        _write_atomic(env_path, "".join("export %s=%s\n" % (name, _shell_quote(value)) for name, value in exports.items()))
        print("Entra emulator listening on %s" % emulator.url)
        print("  CA certificate:  %s" % emulator.ca_path)
        print("  tenant id:       %s" % emulator.tenant_id)
        print("  graph resource:  %s" % emulator.graph_resource)
        print("  automation app:  client id %s, secret %s" % (automation.client_id, automation.client_secret))
        print("  config:          %s (source %s)" % (config_path, env_path))
        sys.stdout.flush()
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
        for path in (env_path, config_path):
            if os.path.exists(path):
                os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
