#!/usr/bin/env bash
# The full test suite, as CI runs it: unit and integration tests on the oldest and the newest supported
# ansible-core (each in its own virtual environment, created on first use).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
failed=()

run_pytest() {  # run_pytest ENV ARGS...
    local env=$1; shift
    local venv; venv=$(hack/venv.sh "$env")
    local core; core=$("$venv/bin/python" -c 'import ansible; print(ansible.__version__)')
    step "pytest on ansible-core $core ($("$venv/bin/python" -V)): $*"
    PYTHONPATH="$PWD/.build/collections:$PWD/tests/emulator:$PWD/tests/integration" \
        "$venv/bin/python" -m pytest -p no:cacheprovider "$@" || failed+=("pytest $env $*")
}

mkdir -p .build/collections/ansible_collections/entra
ln -sfn ../../../.. .build/collections/ansible_collections/entra/devices

for env in oldest newest; do
    run_pytest "$env" -q tests/unit tests/emulator/tests tests/integration -n 2
done

if [ ${#failed[@]} -gt 0 ]; then
    printf '\nFAILED: %s\n' "${failed[@]}"
    exit 1
fi
printf '\nAll test stages passed.\n'
