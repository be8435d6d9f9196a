"""Exceptions that handlers raise to produce Graph or Entra ID error answers."""


class GraphError(Exception):
    """Becomes Graph's error envelope with this status and code."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class AadError(Exception):
    """Becomes an Entra ID (AADSTS) OAuth error answer."""

    def __init__(self, status, error, aadsts, message):
        super().__init__(message)
        self.status = status
        self.error = error
        self.aadsts = aadsts
        self.message = message


class DropConnection(Exception):
    """Close the client connection without answering."""


def bad_request(message, code="Request_BadRequest"):
    return GraphError(400, code, message)


def unsupported_query(message):
    return GraphError(400, "Request_UnsupportedQuery", message)


def access_denied():
    return GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
