"""An OTLP/HTTP trace receiver on 127.0.0.1: what a system in any language exports.

While a target is verified, its OpenTelemetry SDK sends ``POST /v1/traces`` here, as
protobuf (``application/x-protobuf``, the Python and Go default) or JSON
(``application/json``, OpenTelemetry JS's ``http/json``), gzip-compressed or not. Decoding
uses the ``opentelemetry-proto`` message types, never a hand-written parser; what comes out
is :class:`SpanRecord` — plain data with the resource's ``service.name`` folded in, which
:mod:`~inkproof.runtime.semconv` turns into events.

Only loopback addresses are accepted for listening: verification never opens a port to
the network.
"""

from __future__ import annotations

import base64
import gzip
import ipaddress
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from inkproof.errors import InkproofError

#: The standard OTLP/HTTP port (the receiver's default, like the Collector's).
DEFAULT_PORT = 4318
TRACES_PATH = "/v1/traces"
PROTOBUF, JSON = "application/x-protobuf", "application/json"
#: OTLP's span kinds by their enum number (opentelemetry/proto/trace/v1/trace.proto).
SPAN_KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer",
              5: "consumer"}
#: Status code 2 is STATUS_CODE_ERROR.
STATUS_ERROR = 2
#: A body larger than this is refused (413): a receiver must not be made to hold gigabytes.
MAX_BODY = 32 * 1024 * 1024


@dataclass(frozen=True)
class SpanRecord:
    """One finished span as exported: wall-clock times in ns since the epoch."""

    service: str  # the resource's service.name ("unknown_service" when unset)
    trace_id: str  # 32 hex digits
    span_id: str  # 16 hex digits
    parent_id: str  # "" for a root span
    name: str
    kind: str  # server | client | producer | consumer | internal | unspecified
    start_ns: int
    end_ns: int
    attributes: Mapping[str, Any]
    error: bool = False

    def attribute(self, *names: str) -> Any:
        """The first of ``names`` the span carries (new semantic-convention names first,
        the older ones after), else None."""
        for name in names:
            value = self.attributes.get(name)
            if value not in (None, ""):
                return value
        return None


class OtlpError(InkproofError):
    """The receiver could not start (the port is taken, or not a loopback address)."""


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``:PORT``, or ``PORT``) → a loopback host and a port; anything that
    would listen beyond this machine is refused."""
    host, _, port_text = text.rpartition(":") if ":" in text else ("", "", text)
    host = host.strip("[]") or "127.0.0.1"
    try:
        port = int(port_text)
    except ValueError:
        raise OtlpError(f"--otlp {text!r}: expected HOST:PORT, e.g. 127.0.0.1:4318") from None
    if not 0 <= port <= 65535:
        raise OtlpError(f"--otlp {text!r}: port {port} is out of range 0–65535")
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise OtlpError(f"--otlp {text!r}: the receiver listens on loopback addresses "
                            "only (127.0.0.1, ::1)")
    return ("127.0.0.1" if host == "localhost" else host), port


def _value(any_value: Any) -> Any:
    """An OTLP ``AnyValue`` as a plain Python value (arrays as tuples)."""
    which = any_value.WhichOneof("value")
    if which is None:
        return None
    value = getattr(any_value, which)
    if which == "array_value":
        return tuple(_value(v) for v in value.values)
    if which == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.values}
    if which == "bytes_value":
        return bytes(value)
    return value


def _attributes(key_values: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in key_values}


def records_of(request: Any) -> list[SpanRecord]:
    """The spans of one ``ExportTraceServiceRequest``, service name folded in."""
    found = []
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        service = str(resource.get("service.name") or "unknown_service")
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                found.append(SpanRecord(
                    service=service, trace_id=span.trace_id.hex(), span_id=span.span_id.hex(),
                    parent_id=span.parent_span_id.hex(), name=span.name,
                    kind=SPAN_KINDS.get(span.kind, "unspecified"),
                    start_ns=span.start_time_unix_nano, end_ns=span.end_time_unix_nano,
                    attributes=_attributes(span.attributes),
                    error=span.status.code == STATUS_ERROR))
    return found


#: Fields that OTLP/JSON writes as hex strings where protobuf's JSON mapping wants base64.
_HEX_ID_FIELDS = frozenset({"traceId", "spanId", "parentSpanId", "trace_id", "span_id",
                            "parent_span_id"})


def _hex_ids_to_base64(node: Any) -> Any:
    """OTLP/JSON differs from protobuf's JSON mapping in one way that matters: trace and
    span ids are hex, not base64 (opentelemetry-proto's README, "JSON Protobuf
    Encoding")."""
    if isinstance(node, dict):
        return {key: (base64.b64encode(bytes.fromhex(value)).decode()
                      if key in _HEX_ID_FIELDS and isinstance(value, str) and value
                      else _hex_ids_to_base64(value))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_hex_ids_to_base64(item) for item in node]
    return node


def decode(body: bytes, content_type: str) -> list[SpanRecord]:
    """An export request's spans; ``ValueError`` with the reason when it is not one."""
    from google.protobuf import json_format
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    request = ExportTraceServiceRequest()
    media = content_type.split(";")[0].strip().lower()
    if media == JSON:
        try:
            document = _hex_ids_to_base64(json.loads(body))
            json_format.ParseDict(document, request, ignore_unknown_fields=True)
        except (ValueError, json_format.ParseError) as exc:
            raise ValueError(f"not an OTLP/JSON trace export: {exc}") from None
    elif media == PROTOBUF:
        try:
            request.ParseFromString(body)
        except DecodeError as exc:
            raise ValueError(f"not an OTLP/protobuf trace export: {exc}") from None
    else:
        raise ValueError(f"content type {content_type!r}: expected {PROTOBUF} or {JSON}")
    return records_of(request)


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body, by Content-Length or in chunks (OpenTelemetry JS streams its
    exports with ``Transfer-Encoding: chunked``)."""
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        parts, total = [], 0
        while True:
            size_line = handler.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise ValueError(f"a broken chunk size {size_line[:20]!r}") from None
            if size == 0:
                while handler.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ValueError(f"an export of more than {MAX_BODY} bytes (the limit)")
            parts.append(handler.rfile.read(size))
            handler.rfile.readline(1024)  # the CRLF after each chunk
    length = int(handler.headers.get("Content-Length") or 0)
    if length > MAX_BODY:
        raise ValueError(f"an export of {length} bytes (limit {MAX_BODY})")
    return handler.rfile.read(length)


class OtlpReceiver:
    """``with OtlpReceiver(("127.0.0.1", 4318)) as receiver``: spans arrive in the
    background; :meth:`take` hands over those received since the last call."""

    def __init__(self, address: tuple[str, int] = ("127.0.0.1", DEFAULT_PORT)):
        self.address = address
        self._lock = threading.Lock()
        self._spans: list[SpanRecord] = []
        self.rejected: list[str] = []  # why a request was refused (shown in the report)
        self.received = 0  # spans in total, for the report

    @property
    def endpoint(self) -> str:
        """The base URL for ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the SDK appends /v1/traces)."""
        host, port = self._server.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in str(host) else host}:{port}"

    def __enter__(self) -> OtlpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, *_args: object) -> None:
                return  # a verification run prints its own report, not an access log

        server_class = ThreadingHTTPServer
        if ":" in self.address[0]:
            import socket

            class V6(ThreadingHTTPServer):
                address_family = socket.AF_INET6

            server_class = V6
        try:
            self._server = server_class(self.address, Handler)
        except OSError as exc:
            host, port = self.address
            raise OtlpError(f"cannot listen for OTLP on {host}:{port}: {exc.strerror or exc}"
                            " (choose another with --otlp HOST:PORT)") from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="inkproof-otlp", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        content_type = handler.headers.get("Content-Type", "")
        if handler.path.split("?")[0] != TRACES_PATH:
            self._answer(handler, 404, content_type, b"")
            return
        try:
            body = _read_body(handler)
        except ValueError as exc:
            self._refuse(handler, 413 if "limit" in str(exc) else 400, str(exc))
            return
        try:
            if handler.headers.get("Content-Encoding", "").lower() == "gzip":
                body = gzip.decompress(body)
            spans = decode(body, content_type)
        except (ValueError, OSError, EOFError) as exc:
            self._refuse(handler, 400, str(exc))
            return
        with self._lock:
            self._spans.extend(spans)
            self.received += len(spans)
        self._answer(handler, 200, content_type, b"")

    def _refuse(self, handler: BaseHTTPRequestHandler, status: int, why: str) -> None:
        with self._lock:
            self.rejected.append(why)
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain")
        message = why.encode()
        handler.send_header("Content-Length", str(len(message)))
        handler.end_headers()
        handler.wfile.write(message)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, content_type: str,
                body: bytes) -> None:
        # An empty ExportTraceServiceResponse is an empty protobuf message, or {} in JSON.
        media = JSON if content_type.startswith(JSON) else PROTOBUF
        payload = b"{}" if media == JSON and status == 200 else body
        handler.send_response(status)
        handler.send_header("Content-Type", media)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def take(self) -> list[SpanRecord]:
        with self._lock:
            taken, self._spans = self._spans, []
        return taken

    def peek(self) -> list[SpanRecord]:
        with self._lock:
            return list(self._spans)
