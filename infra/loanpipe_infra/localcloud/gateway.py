"""The template's HTTP API served on localhost: routes, JWT authorizer, payload format 2.0."""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from loanpipe_infra.localcloud.auth import JwksCache, Unauthorized, claims_for_event, verify
from loanpipe_infra.localcloud.runtime import FunctionPool
from loanpipe_infra.localcloud.specs import ACCOUNT_ID, HttpApiSpec, HttpRoute

log = logging.getLogger(__name__)

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit


@dataclass
class _CompiledRoute:
    route: HttpRoute
    pool: FunctionPool
    pattern: re.Pattern

    @property
    def route_key(self) -> str:
        return f"{self.route.method} {self.route.path}"


def _compile(path: str) -> re.Pattern:
    regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\+\\\}", r"(?P<\1>.+)", re.escape(path))
    regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", regex)
    return re.compile("^" + regex + "$")


class HttpApiGateway:
    def __init__(self, api: HttpApiSpec, routes: list[tuple[HttpRoute, FunctionPool]], jwks: JwksCache,
                 host: str = "127.0.0.1", port: int = 0):
        self.api = api
        self._routes = [_CompiledRoute(route, pool, _compile(route.path)) for route, pool in routes]
        self._jwks = jwks
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: object) -> None:
                log.debug("api %s", fmt % args)

            def _serve(self) -> None:
                gateway.serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve  # noqa: N815

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="http-api")

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        stage = "" if self.api.stage == "$default" else "/" + self.api.stage
        return f"http://{host}:{port}{stage}"

    @property
    def route_keys(self) -> set[str]:
        return {route.route_key for route in self._routes}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ one request
    def _reply(self, handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
        handler.send_response(status)
        headers = {k.lower(): v for k, v in headers.items()}
        headers.setdefault("content-type", "application/json")
        headers["content-length"] = str(len(body))
        headers.setdefault("apigw-requestid", uuid.uuid4().hex[:16])
        if self.api.cors:
            headers.setdefault("access-control-allow-origin", ",".join(self.api.cors.get("AllowOrigins", ["*"])))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    def _message(self, handler: BaseHTTPRequestHandler, status: int, message: str) -> None:
        self._reply(handler, status, json.dumps({"message": message}).encode(), {})

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        stage_prefix = "" if self.api.stage == "$default" else "/" + self.api.stage
        if stage_prefix and not (url.path == stage_prefix or url.path.startswith(stage_prefix + "/")):
            return self._message(handler, 404, "Not Found")
        path = url.path[len(stage_prefix):] or "/"
        length = int(handler.headers.get("content-length") or 0)
        if length > MAX_BODY:
            return self._message(handler, 413, "Request Entity Too Large")
        raw_body = handler.rfile.read(length) if length else b""
        if handler.command == "OPTIONS" and self.api.cors:
            cors = self.api.cors
            return self._reply(handler, 204, b"", {
                "access-control-allow-origin": ",".join(cors.get("AllowOrigins", ["*"])),
                "access-control-allow-methods": ",".join(cors.get("AllowMethods", ["*"])),
                "access-control-allow-headers": ",".join(cors.get("AllowHeaders", ["*"])),
                "access-control-max-age": str(cors.get("MaxAge", 0)),
            })
        match = None
        for compiled in self._routes:
            if compiled.route.method not in (handler.command, "ANY"):
                continue
            found = compiled.pattern.match(path)
            if found:
                match = (compiled, found.groupdict())
                break
        if match is None:
            return self._message(handler, 404, "Not Found")
        compiled, path_parameters = match
        claims = None
        if compiled.route.authorizer:
            authorizer = self.api.authorizers[compiled.route.authorizer]
            try:
                claims = verify(handler.headers.get("authorization", ""), authorizer, self._jwks)
            except Unauthorized as exc:
                log.info("401 on %s: %s", compiled.route_key, exc)
                return self._message(handler, 401, "Unauthorized")
        event = self._event(handler, url, stage_prefix, compiled, path_parameters, claims, raw_body)
        result = compiled.pool.invoke(event)
        if not result.ok:
            return self._message(handler, 500, "Internal Server Error")
        self._respond(handler, result.result)

    def _event(self, handler, url, stage_prefix, compiled, path_parameters, claims, raw_body) -> dict:
        headers: dict[str, str] = {}
        for key, value in handler.headers.items():
            key = key.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        query: dict[str, str] = {}
        for key, value in parse_qsl(url.query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        body: str | None = None
        is_base64 = False
        if raw_body:
            content_type = headers.get("content-type", "")
            if content_type.startswith(("application/json", "text/", "application/x-www-form-urlencoded")):
                body = raw_body.decode("utf-8", errors="replace")
            else:
                body, is_base64 = base64.b64encode(raw_body).decode(), True
        now = time.time()
        return {
            "version": "2.0",
            "routeKey": compiled.route_key,
            "rawPath": url.path,
            "rawQueryString": url.query,
            "cookies": [c.strip() for c in headers.get("cookie", "").split(";") if c.strip()] or None,
            "headers": headers,
            "queryStringParameters": query or None,
            "pathParameters": path_parameters or None,
            "requestContext": {
                "accountId": ACCOUNT_ID,
                "apiId": self.api.logical_id.lower(),
                "authorizer": {"jwt": {"claims": claims_for_event(claims), "scopes": None}} if claims else None,
                "domainName": headers.get("host", "127.0.0.1"),
                "domainPrefix": "local",
                "http": {
                    "method": handler.command,
                    "path": url.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": handler.client_address[0],
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": uuid.uuid4().hex,
                "routeKey": compiled.route_key,
                "stage": self.api.stage,
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000),
            },
            "body": body,
            "isBase64Encoded": is_base64,
            "stageVariables": None,
        }

    def _respond(self, handler: BaseHTTPRequestHandler, result: object) -> None:
        if isinstance(result, dict) and "statusCode" in result:
            body = result.get("body") or ""
            raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
            headers = dict(result.get("headers") or {})
            return self._reply(handler, int(result["statusCode"]), raw, headers)
        # Payload 2.0: a bare value becomes a 200 JSON response.
        return self._reply(handler, 200, json.dumps(result).encode(), {})
