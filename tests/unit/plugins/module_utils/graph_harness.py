# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Graph client for unit tests: a fake clock that records waits and a token provider that counts requests."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.entra.devices.plugins.module_utils._graph import GraphClient, HttpTransport, RetryPolicy

GRAPH = "https://graph.example.test"


class Tokens:
    """A token provider that counts how often it was asked, and for fresh tokens."""

    def __init__(self):
        self.issued = []

    def get_token(self, force_refresh=False):
        self.issued.append(force_refresh)
        return "token-%d" % len(self.issued)


class Clock:
    def __init__(self):
        self.now = 0.0
        self.waits = []

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def make_client(max_retries=3, max_wait=60.0, max_total=300.0, verify=True, retries_seen=None):
    clock = Clock()
    policy = RetryPolicy(max_retries=max_retries, max_wait=max_wait, max_total=max_total, sleep=clock.sleep,
                         clock=clock, rand=lambda: 1.0)
    transport = HttpTransport(verify=verify, timeout=5, retry_policy=policy,
                              on_retry=(retries_seen.append if retries_seen is not None else None))
    tokens = Tokens()
    return Harness(GraphClient(transport, GRAPH, tokens), clock, tokens)


class Harness:
    def __init__(self, client, clock, tokens):
        self.client = client
        self.clock = clock
        self.tokens = tokens
