# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: the opt-in access-token cache shared by tasks and forks on one host.

One JSON file (mode 0600 in a 0700 directory), replaced atomically, guarded by an exclusive lock on a side file
while a token is looked up or fetched, so parallel forks wait for the first fetch instead of all fetching.
Entries are keyed by a hash of cloud, authority, tenant, client, method and a fingerprint of the credential,
so a changed secret never reuses a token got with the old one. On a hit, MSAL is not even imported.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import contextlib
import hashlib
import json
import os
import tempfile
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows controllers/targets
    fcntl = None

from ansible_collections.entra.devices.plugins.module_utils._auth import read_file
from ansible_collections.entra.devices.plugins.module_utils._errors import InputError

# Like MSAL: a token this close to expiry counts as expired.
EXPIRY_MARGIN = 300
FORMAT_VERSION = 1


def cache_key(settings):
    """A stable key for one identity; the credential is only present as a hash."""
    if settings.auth_method == "client_secret":
        fingerprint = settings.client_secret
    elif settings.auth_method == "certificate":
        fingerprint = hashlib.sha256(read_file(settings.client_certificate_path, "client_certificate_path")).hexdigest()
    else:
        fingerprint = settings.client_id or "system-assigned"
    parts = (settings.cloud_environment, settings.authority_host, settings.tenant_id or "", settings.client_id or "",
             settings.auth_method, settings.scope, hashlib.sha256((fingerprint or "").encode("utf-8")).hexdigest())
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


class TokenCacheFile:
    def __init__(self, path, clock=time.time):
        self.path = path
        self.clock = clock

    @contextlib.contextmanager
    def locked(self):
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o700, exist_ok=True)  # forks may race to create it
            handle = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except (IOError, OSError) as exc:
            raise InputError("token_cache_path %s cannot be used: %s." % (self.path, exc.strerror or exc))
        try:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # closing releases the lock

    def _load(self):
        try:
            with open(self.path) as handle:
                data = json.load(handle)
        except (IOError, OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            return {}
        tokens = data.get("tokens")
        return tokens if isinstance(tokens, dict) else {}

    def _save(self, tokens):
        now = self.clock()
        tokens = dict((k, v) for k, v in tokens.items() if isinstance(v, dict) and v.get("expires_on", 0) > now)
        directory = os.path.dirname(os.path.abspath(self.path))
        fd, temporary = tempfile.mkstemp(prefix=".token-cache-", dir=directory)  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump({"version": FORMAT_VERSION, "tokens": tokens}, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def get(self, key):
        entry = self._load().get(key)
        if isinstance(entry, dict) and entry.get("expires_on", 0) - EXPIRY_MARGIN > self.clock():
            return entry.get("access_token")
        return None

    def put(self, key, token, expires_in):
        tokens = self._load()
        tokens[key] = {"access_token": token, "expires_on": self.clock() + float(expires_in or 0)}
        self._save(tokens)

    def drop(self, key):
        tokens = self._load()
        if tokens.pop(key, None) is not None:
            self._save(tokens)


class MemoryTokenStore:
    """The same interface as TokenCacheFile, kept in this process only."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self.tokens = {}

    @contextlib.contextmanager
    def locked(self):
        yield

    def get(self, key):
        entry = self.tokens.get(key)
        if entry and entry[1] - EXPIRY_MARGIN > self.clock():
            return entry[0]
        return None

    def put(self, key, token, expires_in):
        self.tokens[key] = (token, self.clock() + float(expires_in or 0))

    def drop(self, key):
        self.tokens.pop(key, None)


PROCESS_TOKENS = MemoryTokenStore()


class CachedCredential:
    """Wraps a credential: reuse a cached token, or fetch one (under the lock) and cache it."""

    def __init__(self, credential, cache_file, key):
        self.credential = credential
        self.cache_file = cache_file
        self.key = key
        self.token = None

    def get_token(self, force_refresh=False):
        with self.cache_file.locked():
            cached = self.cache_file.get(self.key)
            # On a refresh, a token another fork stored after ours was rejected is fresh already: use it.
            if cached and (not force_refresh or cached != self.token):
                self.token = cached
                return cached
            self.token = self.credential.get_token(force_refresh=force_refresh)
            self.cache_file.put(self.key, self.token, getattr(self.credential, "expires_in", None) or 0)
            return self.token
