#!/usr/bin/env bash
# Run the playbook through ansible-runner (the engine AWX uses) with the environment AWX's Azure
# credential injects, against the Graph emulator: tests/runner/test_awx_runner.py.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$root/hack/tools-venv.sh")
cd "$root"
if ! "$venv/bin/python" -m pytest -p no:cacheprovider -q tests/runner; then
    echo "hack/runner-test.sh: the ansible-runner (AWX) test failed." >&2
    exit 1
fi
