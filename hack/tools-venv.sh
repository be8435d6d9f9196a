#!/usr/bin/env bash
# Create (or refresh) .venvs/tools from tests/requirements-tools.txt and print its path.
# It holds ansible-lint, antsibull-docs/-changelog, ansible-builder, ansible-runner and
# galaxy-importer, on the interpreter of the 'newest' environment (hack/venv.sh finds it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venvs/tools"
# venv.sh looks for interpreters on PATH: keep our own venvs out of its sight.
clean_path=$(tr ':' '\n' <<<"$PATH" | grep -v "^$root/.venvs/" | paste -sd:)
base_python=$(PATH=$clean_path "$root/hack/venv.sh" newest)/bin/python
reqs=("$root/requirements.txt" "$root/tests/requirements.txt" "$root/tests/requirements-tools.txt")
mkdir -p "$root/.venvs"
exec 9>"$root/.venvs/.tools.lock"
flock 9  # two gates started together must not build the venv twice at once
want_stamp="$("$base_python" -c 'import sys; print(sys._base_executable)')|$(cat "${reqs[@]}" | sha256sum | cut -c1-16)"
if [ ! -f "$venv/.stamp" ] || [ "$(cat "$venv/.stamp")" != "$want_stamp" ]; then
    echo ">> creating $venv from tests/requirements-tools.txt" >&2
    rm -rf "$venv"
    "$base_python" -m venv "$venv"
    log="$root/.venvs/tools-install.log"
    if ! { "$venv/bin/python" -m pip install --upgrade pip &&
           "$venv/bin/python" -m pip install -r "$root/tests/requirements-tools.txt"; } >"$log" 2>&1; then
        tail -20 "$log" >&2
        echo "hack/tools-venv.sh: installing tests/requirements-tools.txt failed (full log: $log)." >&2
        exit 1
    fi
    echo "$want_stamp" > "$venv/.stamp"
fi
echo "$venv"
