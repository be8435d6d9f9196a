#!/usr/bin/env bash
# Execution environment checks, offline (no container engine needed):
#  1. the built tarball carries meta/execution-environment.yml, and ansible-builder's introspection
#     finds our Python and system requirements in it;
#  2. `ansible-builder create` turns docs/execution-environment.yml into a build context in .build/ee.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "hack/ee-create.sh: $*" >&2; exit 1; }
venv=$("$root/hack/tools-venv.sh")
tarball=$("$root/hack/build.sh")
export PATH="$venv/bin:$PATH"
installed="$root/.build/ee-collections"
rm -rf "$installed"
ANSIBLE_COLLECTIONS_PATH="$installed" \
    ansible-galaxy collection install --offline --no-deps -p "$installed" "$tarball" >/dev/null
found=$(ansible-builder introspect "$installed")
echo "$found"
for want in "msal" "requests" "ca-certificates"; do
    grep -q -- "$want.*entra.devices" <<<"$found" || fail "introspection did not find '$want' for entra.devices"
done

rm -rf "$root/.build/ee"
ansible-builder create -f "$root/docs/execution-environment.yml" -c "$root/.build/ee" --output-filename Containerfile ||
    fail "ansible-builder create failed on docs/execution-environment.yml"
[ -s "$root/.build/ee/Containerfile" ] || fail "no Containerfile in .build/ee"
grep -q "entra.devices" "$root/.build/ee/_build/requirements.yml" ||
    fail ".build/ee/_build/requirements.yml does not ask for entra.devices"
echo "hack/ee-create.sh: build context ready in .build/ee (build it with: ansible-builder build -c .build/ee)"
