"""Stand-in for the get-pip.py that ansible-test uses to put pip into its sanity virtualenvs.

ansible-test downloads that script from ci-files.testing.ansible.com, which machines reaching only
PyPI cannot fetch (ansible/ansible#77304). This does the same job from what is at hand: install
the pip bundled with Python (ensurepip), then let it install the requested pin from the
configured index. hack/ansible-test.sh copies it into ansible-test's cache when none is there.
"""
import subprocess
import sys

# get-pip.py's own options; pip install does not know them.
requested = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
# Separate processes: ensurepip hides the pip configuration (index, CA) from its own process.
subprocess.check_call([sys.executable, '-m', 'ensurepip'])
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + requested))
