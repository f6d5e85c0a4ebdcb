"""An independent OTLP/HTTP receiver for rizk's end-to-end tests.

Decodes every request with the OpenTelemetry project's own Python protobuf classes
(`opentelemetry-proto`, in Phoenix's venv), so what it counts was sent as valid OTLP, not
merely as bytes. Binds 127.0.0.1 on a free port and prints {"port": N} on its first line.

  POST /v1/traces   protobuf ExportTraceServiceRequest (gzip allowed): answers 200
  POST /v1/metrics  protobuf ExportMetricsServiceRequest (gzip allowed): answers 200
  GET  /count       {"spans": N, "requests": R, "largest_request": B, "rejected": X}
  GET  /metrics     every metrics request received, as the protobuf JSON mapping
                    (`google.protobuf.json_format.MessageToDict`), in a list

It answers every request quickly, so the burst measures rizk's export path, not the receiver.
Stop it by its PID.
"""

import gzip
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

LOCK = threading.Lock()
STATE = {"spans": 0, "requests": 0, "largest_request": 0, "rejected": 0}
RESPONSE = ExportTraceServiceResponse().SerializeToString()
METRICS_RESPONSE = ExportMetricsServiceResponse().SerializeToString()
METRICS = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _decode(self, body, message_type):
        """The body as a `message_type`, or None after answering 400 (counted as rejected)."""
        request = message_type()
        try:
            request.ParseFromString(body)
        except Exception:  # noqa: BLE001 - any undecodable body is a rejection
            with LOCK:
                STATE["rejected"] += 1
            self._answer(400, f"not an {message_type.__name__}".encode(), "text/plain")
            return None
        return request

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        if self.headers.get("content-encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        if self.path == "/v1/metrics":
            request = self._decode(body, ExportMetricsServiceRequest)
            if request is not None:
                with LOCK:
                    METRICS.append(MessageToDict(request))
                self._answer(200, METRICS_RESPONSE, "application/x-protobuf")
            return
        request = self._decode(body, ExportTraceServiceRequest)
        if request is None:
            return
        spans = sum(
            len(scope.spans)
            for resource in request.resource_spans
            for scope in resource.scope_spans
        )
        with LOCK:
            STATE["spans"] += spans
            STATE["requests"] += 1
            STATE["largest_request"] = max(STATE["largest_request"], length)
        self._answer(200, RESPONSE, "application/x-protobuf")

    def do_GET(self):
        with LOCK:
            body = json.dumps(METRICS if self.path == "/metrics" else STATE).encode()
        self._answer(200, body, "application/json")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
