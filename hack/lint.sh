#!/usr/bin/env bash
# ansible-lint, production profile, on the whole collection: galaxy.yml, meta/runtime.yml,
# module EXAMPLES, docs playbooks and the test playbooks. Configuration: .ansible-lint.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$root/hack/tools-venv.sh")
cd "$root"
# Offline, ansible-lint does not install the collection it lints; its syntax checks find it here.
mkdir -p .build/lint-collections/ansible_collections/entra
ln -sfn ../../../.. .build/lint-collections/ansible_collections/entra/devices
export ANSIBLE_COLLECTIONS_PATH="$root/.build/lint-collections" ANSIBLE_LINT_SKIP_VERSION_CHECK=1 PATH="$venv/bin:$PATH"
if ! ansible-lint --profile production --strict; then
    echo "hack/lint.sh: ansible-lint (production profile) found problems; fix them, do not skip the rules." >&2
    exit 1
fi
