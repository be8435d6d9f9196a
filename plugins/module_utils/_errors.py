# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: typed errors raised inside, turned into fail_json once."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class EntraError(Exception):
    """Base of every expected failure. ``details`` become extra keys of the failed result."""

    def __init__(self, msg, **details):
        super(EntraError, self).__init__(msg)
        self.msg = msg
        self.details = details


class InputError(EntraError):
    """The task's options are wrong; raised before any request is sent."""


class AuthError(EntraError):
    """No access token could be obtained."""


class TransportError(EntraError):
    """The network failed (connection, TLS, timeout) after every retry."""


class GraphError(EntraError):
    """Graph answered with an error. Carries Graph's code and the ids support asks for."""

    def __init__(self, msg, status=None, code=None, graph_message=None, request_id=None, client_request_id=None,
                 date=None, method=None, url=None, retry_after=None):
        details = dict(status=status, error_code=code, request_id=request_id, client_request_id=client_request_id, date=date)
        super(GraphError, self).__init__(msg, **dict((k, v) for k, v in details.items() if v is not None))
        self.status = status
        self.code = code
        self.graph_message = graph_message
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.date = date
        self.method = method
        self.url = url
        self.retry_after = retry_after

    def with_context(self, msg):
        """Same error, a sentence that says what it means for this task in front of Graph's own words."""
        return GraphError(msg, status=self.status, code=self.code, graph_message=self.graph_message,
                          request_id=self.request_id, client_request_id=self.client_request_id, date=self.date,
                          method=self.method, url=self.url, retry_after=self.retry_after)

    def describe(self):
        """Graph's code, message and ids in one sentence-friendly string."""
        parts = ["HTTP %s" % self.status]
        if self.code:
            parts.append(self.code)
        text = ", ".join(parts)
        if self.graph_message:
            text += ": %s" % self.graph_message
        ids = []
        if self.request_id:
            ids.append("request-id %s" % self.request_id)
        if self.date:
            ids.append("date %s" % self.date)
        if ids:
            text += " (%s)" % ", ".join(ids)
        return text
