#!/usr/bin/env bash
# make demo: start the Graph emulator, run the example playbook against it (changed -> ok -> check/diff), stop.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(hack/venv.sh newest)
workdir=.emulator/demo
rm -rf "$workdir"; mkdir -p "$workdir"
PYTHONPATH=tests/emulator "$venv/bin/python" -m entra_emulator --port 0 --workdir "$workdir" >"$workdir/emulator.log" 2>&1 &
emulator_pid=$!
trap 'kill $emulator_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$workdir/emulator.env" ] && break; sleep 0.1; done
if [ ! -s "$workdir/emulator.env" ]; then
    echo "The emulator did not start; its log:" >&2; cat "$workdir/emulator.log" >&2; exit 1
fi
# shellcheck disable=SC1091
. "$workdir/emulator.env"
echo "Graph emulator at $ENTRA_EMULATOR_URL (CA $ENTRA_EMULATOR_CA)"
mkdir -p .build/collections/ansible_collections/entra
ln -sfn ../../../.. .build/collections/ansible_collections/entra/devices
export AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET
export AZURE_AUTHORITY_HOST="$ENTRA_EMULATOR_URL"
ANSIBLE_COLLECTIONS_PATH="$PWD/.build/collections" ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
    ANSIBLE_PYTHON_INTERPRETER="$venv/bin/python" \
    "$venv/bin/ansible-playbook" docs/examples/tag-and-disable.yml \
    -e entra_graph_endpoint="$ENTRA_EMULATOR_URL" -e entra_ca_path="$ENTRA_EMULATOR_CA" "$@"
