"""One lab BMC: a Redfish mockup served over HTTPS with HTTP Basic authentication.

Run as its own process (``python -m collectors.lab.bmc``), one per BMC: sushy-tools' static
request handler reads the mockup folder from a module global. The password comes from the
environment variable ``LAB_BMC_PASSWORD``, never from the command line. Like a real BMC, the
service root ``/redfish/v1`` answers anyone; everything else wants the username and password
(401 with ``WWW-Authenticate: Basic`` otherwise). Request headers are never printed.

The process prints ``ready`` on stdout once it listens, and exits when the process that started
it (``--parent``) is gone, so that a killed lab leaves no BMC behind. No Django here.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import hmac
import json
import os
import posixpath
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from sushy_tools.static import main as sushy_static

PASSWORD_VARIABLE = "LAB_BMC_PASSWORD"  # noqa: S105 - the name of the variable, not a password
SERVICE_ROOT = "/redfish/v1"
HANDSHAKE_TIMEOUT = 10
PARENT_CHECK_INTERVAL = 0.5


class BmcRequestHandler(sushy_static.RequestHandler):
    """sushy-static's handler behind Basic authentication, with paths confined to the mockup."""

    server: BmcServer
    server_version = "LabBMC/1.0"

    def _log_request(self, method):
        """The parent prints every request's headers, Authorization included: print nothing and
        only read the body, so that the connection stays in step."""
        length = int(self.headers.get("content-length") or 0)
        if length > 0:
            self.rfile.read(length)

    def log_message(self, format, *args):
        sys.stderr.write(f"{self.server.name} {self.address_string()} {format % args}\n")

    def _authorised(self) -> bool:
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            username, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user_ok = hmac.compare_digest(username.encode(), self.server.username.encode())
        password_ok = hmac.compare_digest(password.encode(), self.server.password.encode())
        return user_ok and password_ok

    def _refuse(self) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "Base.1.8.GeneralError",
                    "message": "A general error has occurred. See ExtendedInfo for more information.",
                    "@Message.ExtendedInfo": [
                        {
                            "MessageId": "Base.1.8.NoValidSession",
                            "Message": "There is no valid session established with the implementation.",
                            "Severity": "Critical",
                            "Resolution": "Establish a session before attempting any operations.",
                        }
                    ],
                }
            }
        ).encode()
        self.send_response(401)
        self.send_header("WWW-Authenticate", f'Basic realm="{self.server.name}"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _admit(self) -> bool:
        """Clean up the path (no query, no ``..``) and check the credentials; False: answered."""
        path = unquote(urlsplit(self.path).path)
        clean = posixpath.normpath(path) if path else "/"
        if ".." in path.split("/") or not (clean == SERVICE_ROOT or clean.startswith(SERVICE_ROOT + "/")):
            self.send_error(404)
            return False
        self.path = clean
        if clean.rstrip("/") == SERVICE_ROOT:
            return True  # the service root answers anyone, as the Redfish specification wants
        if not self._authorised():
            self._log_request("")
            self._refuse()
            return False
        return True

    def do_GET(self):
        if self._admit():
            super().do_GET()

    def do_POST(self):
        if self._admit():
            super().do_POST()

    def do_PATCH(self):
        if self._admit():
            super().do_PATCH()


class BmcServer(ThreadingHTTPServer):
    """A threading HTTP server that speaks TLS: each connection's handshake runs in its own
    thread (with a timeout), so a client that never says hello holds up no one else."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], *, name: str, context: ssl.SSLContext, username: str, password: str
    ) -> None:
        self.name, self.context, self.username, self.password = name, context, username, password
        super().__init__(address, BmcRequestHandler)

    def server_bind(self):
        """Bind without HTTPServer's reverse DNS lookup of the address (slow without DNS)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLEOFError, ConnectionError, TimeoutError):
            return  # a port probe, or a client that hung up
        except ssl.SSLError as e:  # e.g. a client that does not trust the lab CA
            sys.stderr.write(f"{self.name} {client_address[0]} TLS handshake failed: {e.reason or e}\n")
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                tls.shutdown(socket.SHUT_RDWR)
            tls.close()

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        sys.stderr.write(f"{self.name} {client_address[0]} {type(error).__name__}: {error}\n")


def _watch_parent(parent: int, server: BmcServer) -> None:
    """Stop serving once the parent is gone (this process is then some other process's child)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_INTERVAL)
    sys.stderr.write(f"{server.name}: the lab process {parent} is gone, stopping\n")
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m collectors.lab.bmc", description=__doc__.split("\n")[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mockup", required=True, help="folder of the Redfish mockup (index.json files)")
    parser.add_argument("--cert", required=True, help="PEM certificate (chain) to serve")
    parser.add_argument("--key", required=True, help="its PEM private key")
    parser.add_argument("--username", required=True)
    parser.add_argument(
        "--parent", type=int, default=0, help="exit when this process is no longer the parent"
    )
    args = parser.parse_args(argv)
    password = os.environ.pop(PASSWORD_VARIABLE, "")
    if not password:
        parser.error(f"set the password in the environment variable {PASSWORD_VARIABLE}")
    if not os.path.isfile(os.path.join(args.mockup, "index.json")):
        parser.error(f"{args.mockup} holds no Redfish mockup (index.json is missing)")
    if args.parent and os.getppid() != args.parent:
        return 1  # the parent died before we started
    sushy_static.REDFISH_MOCKUP_FILES = os.path.realpath(args.mockup)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.cert, args.key)
    try:
        server = BmcServer(
            (args.address, args.port),
            name=args.name,
            context=context,
            username=args.username,
            password=password,
        )
    except OSError as e:
        sys.stderr.write(f"{args.name}: cannot listen on {args.address}:{args.port}: {e}\n")
        return 1
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on `lab serve`: the lab stops its BMCs
    if args.parent:
        threading.Thread(target=_watch_parent, args=(args.parent, server), daemon=True).start()
    # tell the parent we listen, then keep stdout quiet: nobody reads the pipe any more
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
