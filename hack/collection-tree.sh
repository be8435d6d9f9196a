#!/usr/bin/env bash
# Copy the collection (git-tracked files plus untracked ones git does not ignore, so it works
# before a commit) into .build/ansible_collections/entra/devices and print that path.
# ansible-test and antsibull-docs need the collection inside an ansible_collections/ tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.build/ansible_collections/entra/devices"
rm -rf "$dest"
mkdir -p "$dest"
cd "$root"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    if [ -e "$f" ]; then cp --parents -P "$f" "$dest/"; fi  # skip tracked files deleted in the work tree
done
# ansible-test lists content with git when it finds a .git above it (it would find this repo's,
# where .build is ignored); a repository of the copy's own makes it list the copy.
git init -q "$dest"
echo "$dest"
