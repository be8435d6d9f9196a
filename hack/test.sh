#!/usr/bin/env bash
# make test: the full suite, as CI runs it. Every stage runs even when an earlier one fails; the summary
# at the end names the failed stages. Virtual environments are created on first use:
#   oldest  Python 3.11 + ansible-core 2.19 (the oldest we support)
#   newest  Python 3.13 (or 3.12) + the newest ansible-core
#   tools   ansible-lint, antsibull-docs, ansible-runner, ansible-builder, galaxy-importer
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$PWD
passed=0
failed=()

stage() {  # stage NAME COMMAND...
    local name=$1; shift
    printf '\n==> %s\n' "$name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed+=("$name")
    fi
}

pytest_in() {  # pytest_in ENV EXECUTION PYTEST-ARGS...; EXECUTION: controller or module (see tests/integration/conftest.py)
    local env=$1 execution=$2; shift 2
    local venv
    venv=$(hack/venv.sh "$env") || return 1
    ENTRA_TEST_EXECUTION=$execution PYTHONPATH="$root/.build/collections:$root/tests/emulator:$root/tests/integration" \
        "$venv/bin/python" -m pytest -p no:cacheprovider -q -n 2 "$@"
}

mkdir -p .build/collections/ansible_collections/entra
ln -sfn ../../../.. .build/collections/ansible_collections/entra/devices

stage "ansible-lint (production profile)" hack/lint.sh
stage "collection docs lint (antsibull-docs)" hack/docs.sh lint
stage "docsite HTML build (make docs)" hack/docs.sh build
for env in oldest newest; do
    stage "ansible-test sanity ($env)" hack/ansible-test.sh sanity "$env"
    stage "ansible-test units ($env)" hack/ansible-test.sh units "$env"
    stage "emulator tests ($env)" pytest_in "$env" controller tests/emulator/tests
    for execution in controller module; do
        stage "integration, $execution execution ($env)" pytest_in "$env" "$execution" tests/unit tests/integration
    done
done
stage "ansible-runner (AWX) test" hack/runner-test.sh
stage "execution environment build context" hack/ee-create.sh
stage "galaxy-importer" hack/galaxy-importer.sh

printf '\n'
if [ ${#failed[@]} -gt 0 ]; then
    printf 'FAILED stage: %s\n' "${failed[@]}"
fi
echo "stages: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
