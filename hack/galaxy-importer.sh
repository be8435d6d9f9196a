#!/usr/bin/env bash
# Build the collection tarball and run galaxy-importer on it, offline, as Galaxy would on upload.
# Fails when the import fails, logs an error or a warning, or skips a check because its tool
# (ansible-doc, ansible-lint) is missing. Settings: tests/galaxy-importer.cfg.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$root/hack/tools-venv.sh")
tarball=$("$root/hack/build.sh")
out="$root/.build/importer"
rm -rf "$out" && mkdir -p "$out" && cd "$out"  # the importer writes importer_result.json here
export PATH="$venv/bin:$PATH"  # the importer runs ansible-doc and ansible-lint from PATH
export GALAXY_IMPORTER_CONFIG="$root/tests/galaxy-importer.cfg" ANSIBLE_LINT_SKIP_VERSION_CHECK=1
set +e
"$venv/bin/python" -m galaxy_importer.main "$tarball" 2>&1 | tee importer.log
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ] || grep -qE '^(ERROR|WARNING)' importer.log; then
    echo "hack/galaxy-importer.sh: galaxy-importer rejected $(basename "$tarball") (log: $out/importer.log)." >&2
    exit 1
fi
echo "hack/galaxy-importer.sh: $(basename "$tarball") imports without errors or warnings."
