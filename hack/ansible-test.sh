#!/usr/bin/env bash
# Run ansible-test on a copy of the collection in .build/ansible_collections/entra/devices.
#   hack/ansible-test.sh sanity|units [--python X.Y] [oldest|newest]   (default: newest, its Python)
# Sanity tests run in ansible-test's own pinned virtualenvs (~/.ansible/test/venv, created on
# first use from PyPI); units run in the chosen environment, which needs tests/requirements.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: hack/ansible-test.sh sanity|units [--python X.Y] [oldest|newest]"
command=${1:?$usage}; shift
case "$command" in sanity|units) ;; *) echo "$usage" >&2; exit 2 ;; esac
python_version="" env_name=newest
while [ $# -gt 0 ]; do
    case "$1" in
        --python) python_version=${2:?$usage}; shift 2 ;;
        oldest|newest) env_name=$1; shift ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done
clean_path=$(tr ':' '\n' <<<"$PATH" | grep -v "^$root/.venvs/" | paste -sd:)  # see hack/tools-venv.sh
venv=$(PATH=$clean_path "$root/hack/venv.sh" "$env_name")
[ -n "$python_version" ] || python_version=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
# ansible-test bootstraps pip in its sanity virtualenvs with a script it caches under
# ~/.ansible/test/cache; provide an equivalent when it is missing (see hack/get-pip-offline.py).
pip_version=$("$venv/bin/python" -c 'import types; from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="'"$python_version"'"))["pip"])')
get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
[ -f "$get_pip" ] || install -D -m 644 "$root/hack/get-pip-offline.py" "$get_pip"
tree=$("$root/hack/collection-tree.sh")
cd "$tree"
export PATH="$venv/bin:$PATH"
core=$(python -c 'from ansible.release import __version__; print(__version__)')
echo ">> ansible-test $command on $env_name (ansible-core $core, Python $python_version)"
args=(--local --python "$python_version" --color no)
[ "$command" = units ] && args+=(--num-workers 2)
if ! ansible-test "$command" "${args[@]}"; then
    echo "hack/ansible-test.sh: ansible-test $command failed on the $env_name environment (results in $tree/tests/output)." >&2
    exit 1
fi
