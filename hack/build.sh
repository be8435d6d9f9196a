#!/usr/bin/env bash
# Build the collection tarball into .build/dist (from the git-visible files only) and print its path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$root/hack/tools-venv.sh")
tree=$("$root/hack/collection-tree.sh")
rm -rf "$root/.build/dist"
"$venv/bin/ansible-galaxy" collection build --output-path "$root/.build/dist" "$tree" >&2
ls "$root"/.build/dist/entra-devices-*.tar.gz
