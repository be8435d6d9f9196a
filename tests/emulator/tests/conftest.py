"""Fixtures: one emulator per session, restored before each test, and HTTP clients that trust its CA."""

import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from entra_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position


class VerifyingSession(requests.Session):
    """Passes verify=CA on every call: REQUESTS_CA_BUNDLE would otherwise override Session.verify."""

    def __init__(self, ca_path):
        super().__init__()
        self.ca_path = ca_path

    def request(self, method, url, *args, **kwargs):  # pylint: disable=arguments-differ
        kwargs["verify"] = self.ca_path
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory):
    with Emulator(workdir=str(tmp_path_factory.mktemp("emulator"))) as emu:
        yield emu


@pytest.fixture
def emu(emulator_server):
    emulator_server.reset()
    emulator_server.set_latency(0)
    return emulator_server


@pytest.fixture
def http(emu):
    session = VerifyingSession(emu.ca_path)
    yield session
    session.close()


@pytest.fixture
def graph(emu, http):
    """Call Graph as an app (automation by default) with a minted token."""

    def call(method, path, app="automation", token=None, headers=None, **kwargs):
        all_headers = {"Authorization": "Bearer %s" % (token or emu.mint_token(app=app))}
        all_headers.update(headers or {})
        url = path if path.startswith("https://") else emu.url + path
        return http.request(method, url, headers=all_headers, **kwargs)
    return call
