"""The back-office console served on localhost, standing in for CloudFront in front of its bucket.

``console/`` is plain files (HTML, ES modules, CSS; no build step), served as they are, and ``config.json``
is made here, from the running cloud: the API's URL, the staff user pool, the console's Cognito client and
where to sign in. Locally the console signs in with USER_PASSWORD_AUTH against moto's cognito-idp (the AWS
endpoint of the local cloud, which answers browsers' CORS requests); on AWS it uses the hosted UI, see
``loanpipe_infra.console_publish``. The response headers are those of the template's
``ConsoleResponseHeaders`` policy, with the local hosts in the content security policy.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


def content_security_policy(api_url: str, aws_endpoint: str) -> str:
    """What the pages may load and call; the local twin of the template's ConsoleResponseHeaders."""
    api = _origin(api_url)
    aws = _origin(aws_endpoint)
    return "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "base-uri 'none'", "form-action 'self'",
        "frame-ancestors 'none'", f"connect-src 'self' {api} {aws}", f"img-src 'self' data: {aws}",
        f"object-src {aws}", f"frame-src {aws}",  # PDFs: Chromium shows an <embed>ed PDF in a frame
    ])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def local_console_config(api_url: str, aws_endpoint: str, region: str, user_pool_id: str, client_id: str) -> dict:
    return {
        "api_url": api_url,
        "region": region,
        "user_pool_id": user_pool_id,
        "client_id": client_id,
        "sign_in": "password",
        "cognito_endpoint": aws_endpoint.rstrip("/") + "/",
    }


class ConsoleFiles:
    """What the console's server answers: files under ``root`` and the generated ``config.json``."""

    def __init__(self, root: Path, config: dict, csp: str):
        self.root = root.resolve()
        self._config = json.dumps(config, indent=2).encode()
        self._headers = {
            "content-security-policy": csp,
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
            "referrer-policy": "no-referrer",
            "cache-control": "no-store",
        }

    def _file(self, url_path: str) -> Path | None:
        relative = unquote(url_path).lstrip("/") or "index.html"
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def answer(self, request_path: str) -> tuple[int, bytes, dict[str, str]]:
        """(status, body, headers) for a GET of ``request_path``."""
        path = urlsplit(request_path).path
        if path == "/config.json":
            return self._reply(200, self._config, CONTENT_TYPES[".json"])
        file = self._file(path)
        if file is None or file.suffix not in CONTENT_TYPES:
            return self._reply(404, b"not found", "text/plain; charset=utf-8")
        return self._reply(200, file.read_bytes(), CONTENT_TYPES[file.suffix])

    def _reply(self, status: int, body: bytes, content_type: str) -> tuple[int, bytes, dict[str, str]]:
        return status, body, {**self._headers, "content-type": content_type, "content-length": str(len(body))}


class ConsoleSite:
    """A small static server on localhost (GET and HEAD) answering with ``ConsoleFiles``."""

    def __init__(self, files: ConsoleFiles, host: str = "127.0.0.1", port: int = 0):
        self.files = files

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: object) -> None:
                log.debug("console %s", fmt % args)

            def do_GET(self) -> None:  # noqa: N802 - the http.server interface
                status, body, headers = files.answer(self.path)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET  # noqa: N815

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="console")

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
