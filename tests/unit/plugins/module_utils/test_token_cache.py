# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The opt-in token cache: file mode, keys, expiry, refresh, and parallel processes sharing one file."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import multiprocessing
import os
import stat

from ansible_collections.entra.devices.plugins.module_utils._token_cache import CachedCredential, TokenCacheFile, cache_key


def read(path):
    with open(path) as handle:
        return handle.read()


class Settings:
    cloud_environment = "AzureCloud"
    authority_host = "https://login.microsoftonline.com"
    tenant_id = "8f1f6b3e-2c4d-4e5f-9a0b-1c2d3e4f5a6b"
    client_id = "a0000001-0000-4000-8000-00000000a001"
    auth_method = "client_secret"
    scope = "https://graph.microsoft.com/.default"
    client_secret = "s3cret"


class CountingCredential:
    def __init__(self, counter_path=None):
        self.calls = 0
        self.expires_in = 3599
        self.counter_path = counter_path

    def get_token(self, force_refresh=False):
        self.calls += 1
        if self.counter_path:
            with open(self.counter_path, "a") as handle:
                handle.write("fetch\n")
        return "token-%d" % self.calls


def test_second_lookup_reuses_the_token_and_the_file_is_private(tmp_path):
    path = str(tmp_path / "cache" / "tokens.json")
    inner = CountingCredential()
    credential = CachedCredential(inner, TokenCacheFile(path), cache_key(Settings()))
    assert credential.get_token() == "token-1"
    assert CachedCredential(CountingCredential(), TokenCacheFile(path), cache_key(Settings())).get_token() == "token-1"
    assert inner.calls == 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert "s3cret" not in read(path)


def test_a_changed_secret_does_not_reuse_the_token():
    other = Settings()
    other.client_secret = "rotated"
    assert cache_key(Settings()) != cache_key(other)


def test_tokens_close_to_expiry_are_not_used(tmp_path):
    now = [1000.0]
    cache = TokenCacheFile(str(tmp_path / "t.json"), clock=lambda: now[0])
    cache.put("k", "old", 600)
    assert cache.get("k") == "old"
    now[0] += 301  # within five minutes of expiry
    assert cache.get("k") is None


def test_force_refresh_replaces_the_cached_token(tmp_path):
    path = str(tmp_path / "t.json")
    inner = CountingCredential()
    credential = CachedCredential(inner, TokenCacheFile(path), "k")
    credential.get_token()
    assert credential.get_token(force_refresh=True) == "token-2"
    assert json.loads(read(path))["tokens"]["k"]["access_token"] == "token-2"


def test_a_refresh_uses_a_token_another_fork_already_refreshed(tmp_path):
    path = str(tmp_path / "t.json")
    mine, theirs = CountingCredential(), CountingCredential()
    mine_cached = CachedCredential(mine, TokenCacheFile(path), "k")
    assert mine_cached.get_token() == "token-1"
    TokenCacheFile(path).put("k", "fresh-from-another-fork", 3599)
    assert mine_cached.get_token(force_refresh=True) == "fresh-from-another-fork"
    assert mine.calls == 1 and theirs.calls == 0


def test_a_corrupt_file_is_treated_as_empty(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("{not json")
    assert TokenCacheFile(str(path)).get("k") is None


def _fork(path, counter):
    CachedCredential(CountingCredential(counter), TokenCacheFile(path), "k").get_token()


def test_parallel_processes_fetch_one_token(tmp_path):
    # The cache directory does not exist yet: the forks race to create it too.
    path, counter = str(tmp_path / "new" / "dir" / "t.json"), str(tmp_path / "fetches")
    # spawn, not fork: the test runner's process may have threads, and forking those is unsafe.
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_fork, args=(path, counter)) for dummy in range(8)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    assert [p.exitcode for p in processes] == [0] * 8
    assert read(counter).splitlines() == ["fetch"]
    assert list(json.loads(read(path))["tokens"]) == ["k"]
