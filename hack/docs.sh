#!/usr/bin/env bash
# Collection documentation with antsibull-docs, on a copy of the collection in an
# ansible_collections/ tree (.build/ansible_collections/entra/devices).
#   hack/docs.sh lint    lint docs/docsite (extra docs, links) and every plugin's documentation
#   hack/docs.sh build   build the HTML docsite (module pages + guides) into .build/docs/html
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
action=${1:?usage: hack/docs.sh lint|build}
venv=$("$root/hack/tools-venv.sh")
tree=$("$root/hack/collection-tree.sh")
export PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$root/.build"
fail() { echo "hack/docs.sh: $*" >&2; exit 1; }

case "$action" in
    lint)
        antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all "$tree" ||
            fail "antsibull-docs found documentation problems (listed above)."
        echo "hack/docs.sh: collection docs lint clean."
        ;;
    build)
        site="$root/.build/docs"
        rm -rf "$site" && mkdir -p "$site"
        antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir "$site" \
            --project entra.devices --title "entra.devices collection" entra.devices >/dev/null
        # No network here for intersphinx: the Ansible docs labels module pages link to come from a
        # small local inventory instead, so Sphinx's warnings can stay errors.
        "$venv/bin/python" - "$site/ansible_devel.inv" <<'PY'
import sys, zlib
labels = [
    ("common_return_values", "reference_appendices/common_return_values.html#common-return-values", "Return Values"),
    ("ansible_configuration_settings", "reference_appendices/config.html#ansible-configuration-settings",
     "Ansible Configuration Settings"),
    ("action_plugins", "plugins/action.html#action-plugins", "Action plugins"),
]
header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n"
body = "".join("%s std:label -1 %s %s\n" % label for label in labels)
with open(sys.argv[1], "wb") as inventory:
    inventory.write(header.encode() + zlib.compress(body.encode()))
PY
        echo "intersphinx_mapping = {'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv')}" \
            >>"$site/conf.py"
        # sphinx-init writes a build.sh: antsibull-docs renders the RST, sphinx-build (warnings are errors) the HTML.
        (cd "$site" && ./build.sh) || fail "the docsite did not build (see above)."
        [ -s "$site/build/html/azure_ad_device_module.html" ] || fail "no module page in $site/build/html."
        rm -rf "$site/html" && mv "$site/build/html" "$site/html"
        echo "hack/docs.sh: HTML docs in .build/docs/html (open .build/docs/html/index.html)."
        ;;
    *) fail "unknown action '$action' (use lint or build)" ;;
esac
