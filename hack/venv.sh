#!/usr/bin/env bash
# Create (or refresh) one of the project's virtual environments and print its path.
#   hack/venv.sh oldest   Python 3.11 + the oldest ansible-core we support (2.19.x)
#   hack/venv.sh newest   the newest CPython found (3.13, else 3.12) + the newest ansible-core
# Pythons are looked up on PATH, then under pyenv; a missing one is a clear error, not a silent skip.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
which_env=${1:?usage: hack/venv.sh oldest|newest}

find_python() {  # find_python 3.13 -> path of an interpreter of that minor version, or nothing
    local want=$1 cand
    for cand in "python$want" "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/$want"*/bin/"python$want" \
                "$HOME/.pyenv/versions/$want"*/bin/"python$want" /usr/local/bin/"python$want" /usr/bin/"python$want"; do
        # A virtual environment's interpreter (ours included) is no base to build one from.
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys, venv, ensurepip; sys.exit(sys.prefix != sys.base_prefix)' >/dev/null 2>&1; then
            command -v "$cand"; return 0
        fi
    done
    return 1
}

case "$which_env" in
    oldest) pythons="3.11"; core_spec="ansible-core>=2.19,<2.20" ;;
    newest) pythons="3.13 3.12"; core_spec="ansible-core" ;;
    *) echo "hack/venv.sh: unknown environment '$which_env' (use oldest or newest)" >&2; exit 2 ;;
esac
py=""
for v in $pythons; do py=$(find_python "$v") && break || py=""; done
if [ -z "$py" ]; then
    echo "hack/venv.sh: no Python $pythons with venv found on PATH or under pyenv; the '$which_env' environment needs it." >&2
    echo "  Install one (e.g. 'pyenv install ${pythons%% *}') and run again." >&2
    exit 3
fi

venv="$root/.venvs/$which_env"
mkdir -p "$root/.venvs"
exec 9>"$root/.venvs/.$which_env.lock"
flock 9  # two gates asking for the same environment at once wait for one build
stamp="$venv/.stamp"
want_stamp="$py|$core_spec|$(cat "$root/requirements.txt" "$root/tests/requirements.txt" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
    echo ">> creating $venv with $py ($core_spec)" >&2
    rm -rf "$venv"
    "$py" -m venv "$venv"
    log="$root/.venvs/$which_env.pip.log"
    if ! { "$venv/bin/python" -m pip install --upgrade pip &&
           "$venv/bin/python" -m pip install "$core_spec" -r "$root/requirements.txt" -r "$root/tests/requirements.txt"; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "hack/venv.sh: installing the '$which_env' environment failed (full log: $log)." >&2
        rm -rf "$venv"
        exit 4
    fi
    echo "$want_stamp" > "$stamp"
fi
echo "$venv"
