"""Admin endpoints, the command line, the request log, and that no secret or token leaks into logs or errors."""

import json
import os
import signal
import subprocess
import sys
import time

import msal

from entra_emulator.seed import DEVICES, TENANT_ID

from conftest import VerifyingSession

ALICE = DEVICES["WS-ALICE-01"]
EMULATOR_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_admin_config(emu, http):
    config = http.get(emu.url + "/_emulator/config").json()
    assert config["url"] == emu.url and config["tenant_id"] == TENANT_ID and config["ca_path"] == emu.ca_path
    assert config["apps"]["automation"]["client_secret"] == emu.apps["automation"].client_secret
    assert config["apps"]["automation"]["cert_path"] == emu.apps["automation"].cert_path
    assert set(config["apps"]) == {"automation", "reader", "noperms", "intune", "mdm", "vm-identity", "uami"}
    assert emu.requests[-1].kind == "admin"


def test_admin_faults_latency_devices_tokens_and_reset(emu, http, graph):
    admin = emu.url + "/_emulator/"
    fault = http.post(admin + "faults", json={"method": "GET", "path": "devices", "status": 503, "retry_after": "3"}).json()
    assert fault["status"] == 503 and fault["hits"] == 0
    assert graph("GET", "/v1.0/devices").status_code == 503
    assert http.delete(admin + "faults").status_code == 200
    assert http.post(admin + "latency", json={"ms": 0}).json() == {"ms": 0}
    device = http.post(admin + "devices", json={"displayName": "ADMIN-ADDED", "operatingSystem": "iOS"}).json()
    assert device["extensionAttributes"]["extensionAttribute15"] is None and device["accountEnabled"] is True
    assert http.get(admin + "devices/" + device["id"]).json()["displayName"] == "ADMIN-ADDED"
    assert len(http.post(admin + "devices", json={"bulk": 5, "prefix": "adm-"}).json()["ids"]) == 5
    token = http.post(admin + "tokens", json={"app": "reader"}).json()["access_token"]
    assert graph("PATCH", "/v1.0/devices/%s" % ALICE["id"], token=token, json={"displayName": "x"}).status_code == 403
    since = emu.requests[-1].seq
    graph("GET", "/v1.0/devices/%s" % ALICE["id"])
    newer = http.get(admin + "requests", params={"since": since}).json()
    assert [(r["kind"], r["method"], r["status"]) for r in newer][0] == ("graph", "GET", 200)
    assert http.post(admin + "expire-tokens").status_code == 200
    assert graph("GET", "/v1.0/devices", token=token).status_code == 401
    assert http.post(admin + "reset").status_code == 200
    assert emu.get_device(device["id"]) is None and emu.requests == []
    graph("GET", "/v1.0/devices")
    assert http.post(admin + "clear-log").status_code == 200
    assert emu.requests == []
    assert http.post(admin + "faults", json={"kind": "nonsense"}).status_code == 400
    assert http.get(admin + "nothing").status_code == 404


def test_request_records(emu, graph):
    graph("GET", "/v1.0/devices", params={"$filter": "displayName eq 'O''Brien''s MacBook'"}, headers={"ConsistencyLevel": "eventual"})
    record = emu.graph_requests()[0]
    assert record.kind == "graph" and record.method == "GET" and record.path == "/v1.0/devices"
    assert record.query == {"$filter": "displayName eq 'O''Brien''s MacBook'"}
    assert record.headers["ConsistencyLevel"] == "eventual" and record.headers["Authorization"] == "Bearer <redacted>"
    assert record.client_id == emu.apps["automation"].client_id and record.status == 200
    assert record.wall.endswith("Z") and record.time <= time.monotonic()
    emu.clear_log()
    assert not emu.requests


def test_no_secret_or_token_in_log_or_error_bodies(emu, http, graph):
    app = emu.apps["automation"]
    authority = "%s/%s" % (emu.url, emu.tenant_id)
    good = msal.ConfidentialClientApplication(app.client_id, client_credential=app.client_secret, authority=authority,
                                              instance_discovery=False, http_client=http).acquire_token_for_client(
        scopes=["https://graph.microsoft.com/.default"])
    token = good["access_token"]
    with open(app.cert_encrypted_path, encoding="ascii") as handle:
        pem = handle.read()
    cert_result = msal.ConfidentialClientApplication(
        app.client_id, client_credential={"private_key": pem, "public_certificate": pem, "passphrase": app.cert_password},
        authority=authority, instance_discovery=False, http_client=http).acquire_token_for_client(
        scopes=["https://graph.microsoft.com/.default"])
    wrong = msal.ConfidentialClientApplication(app.client_id, client_credential=app.client_secret + "x", authority=authority,
                                               instance_discovery=False, http_client=http).acquire_token_for_client(
        scopes=["https://graph.microsoft.com/.default"])
    emu.expire_tokens()
    error_bodies = [json.dumps(wrong), graph("GET", "/v1.0/devices", token=token).text,
                    graph("GET", "/v1.0/devices", token=token + "tampered").text,
                    graph("PATCH", "/v1.0/devices/%s" % ALICE["id"], token=token, json={"displayName": "x"}).text]
    log_text = json.dumps([record.as_dict() for record in emu.requests])
    secrets = [app.client_secret, app.client_secret + "x", token, token.split(".")[2], cert_result["access_token"], app.cert_password]
    for secret in secrets:
        assert secret not in log_text
        assert all(secret not in body for body in error_bodies)


def test_cli_runs_writes_env_and_stops_on_sigterm(tmp_path):
    workdir = tmp_path / "cli"
    env = dict(os.environ, PYTHONPATH=EMULATOR_ROOT)
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "entra_emulator", "--port", "0", "--workdir", str(workdir), "--bulk", "3",
         "--fault", "GET:^/v1\\.0/devices$:503:retry_after=2:times=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        env_file = workdir / "emulator.env"
        deadline = time.monotonic() + 30
        while not env_file.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        exports = dict(line[len("export "):].split("=", 1) for line in env_file.read_text().splitlines())
        exports = {name: value.strip("'") for name, value in exports.items()}
        assert set(exports) == {"ENTRA_EMULATOR_URL", "ENTRA_EMULATOR_CA", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"}
        config = json.loads((workdir / "emulator.json").read_text())
        assert config["url"] == exports["ENTRA_EMULATOR_URL"] and config["tenant_id"] == exports["AZURE_TENANT_ID"]
        session = VerifyingSession(exports["ENTRA_EMULATOR_CA"])
        client = msal.ConfidentialClientApplication(
            exports["AZURE_CLIENT_ID"], client_credential=exports["AZURE_CLIENT_SECRET"],
            authority="%s/%s" % (exports["ENTRA_EMULATOR_URL"], exports["AZURE_TENANT_ID"]), instance_discovery=False,
            http_client=session)
        token = client.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])["access_token"]
        headers = {"Authorization": "Bearer " + token}
        first = session.get(exports["ENTRA_EMULATOR_URL"] + "/v1.0/devices", headers=headers)
        assert first.status_code == 503 and first.headers["Retry-After"] == "2"
        second = session.get(exports["ENTRA_EMULATOR_URL"] + "/v1.0/devices", headers=headers).json()
        assert len(second["value"]) == len(DEVICES) + 3
    finally:
        process.send_signal(signal.SIGTERM)
        stdout = process.communicate(timeout=15)[0]
    assert process.returncode == 0
    assert "listening on https://127.0.0.1:" in stdout
    assert not (workdir / "emulator.env").exists()
