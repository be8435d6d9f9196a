"""HTTPS transport: a threading HTTP/1.1 server whose TLS handshakes run in the connection threads."""

import socket
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .errors import DropConnection
from .wire import Request

_HANDSHAKE_TIMEOUT = 10
_IDLE_TIMEOUT = 120
_MAX_BODY = 16 * 1024 * 1024


class TLSServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that wraps each accepted socket in TLS inside its own (daemon) thread."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, emulator, cert_path, key_path):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.emulator = emulator
        self.ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ssl_context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.ssl_context.load_cert_chain(cert_path, key_path)
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, EmulatorRequestHandler)

    def finish_request(self, request, client_address):
        # Headers and body go out in separate writes; Nagle plus delayed ACKs would add ~40 ms to each answer.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request.settimeout(_HANDSHAKE_TIMEOUT)
        try:
            connection = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()
            return
        with self._connections_lock:
            self._connections.add(connection)
        try:
            connection.settimeout(_IDLE_TIMEOUT)
            self.RequestHandlerClass(connection, client_address, self)
        except (ssl.SSLError, OSError):
            pass  # the client went away mid-request
        finally:
            with self._connections_lock:
                self._connections.discard(connection)
            _abort(connection)

    def close_connections(self):
        """Cut keep-alive connections so a stopped emulator answers nothing more."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            _abort(connection)


def _abort(connection):
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Converts HTTP requests into wire.Request objects for Emulator.handle()."""

    protocol_version = "HTTP/1.1"
    server_version = "entra-emulator"

    def version_string(self):
        return self.server_version

    def do_GET(self):  # noqa: N802 - the names are http.server's
        self._serve()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    def _serve(self):
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Bad request body")
            return
        raw_path, dummy, raw_query = self.path.partition("?")
        host = self.headers.get("Host")
        base_url = ("https://" + host) if host else self.server.emulator.url
        request = Request(method=self.command, path=urllib.parse.unquote(raw_path),
                          query=dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True)),
                          headers=dict(self.headers.items()), body=body, base_url=base_url, client_ip=self.client_address[0])
        try:
            response = self.server.emulator.handle(request)
        except DropConnection:
            self.close_connection = True
            _abort(self.connection)
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.emulator.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))
