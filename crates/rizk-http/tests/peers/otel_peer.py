"""A cross-language peer for rizk-http's propagation tests: the real Python OpenTelemetry SDK.

Uses only the standard library's HTTP server and client plus the OpenTelemetry API/SDK (and the
OTLP/HTTP exporter when --otlp is given), with the SDK's default propagators (W3C Trace Context
and W3C Baggage). Both modes print JSON on stdout.

  server --otlp URL --project P
      Serves GET/POST on 127.0.0.1 (a free port); prints {"port": N} on its first line. Each
      request is handled in a SERVER span whose parent is extracted from the headers; the
      response is JSON: what this side saw (trace id, the remote parent's span id, its own span
      id, the baggage, the raw headers).

  client --url URL [--baggage key=value ...] --otlp URL --project P
      Sends one GET in a CLIENT span with the baggage set, injecting the context; prints JSON:
      its trace id and span id, the headers it sent, and the response (the Rust side's view). Exits
      1 when the response does not show the same trace with this span as the parent, or the
      baggage is not intact.

Spans go to --otlp (Phoenix's /v1/traces) with resource openinference.project.name = --project,
exported synchronously, so they are in the backend when the process has answered or exited.
"""

import argparse
import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry import baggage, context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor


def setup(otlp, project, service):
    resource = Resource.create(
        {"service.name": service, "openinference.project.name": project}
    )
    provider = TracerProvider(resource=resource)
    if otlp:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=otlp)))
    trace.set_tracer_provider(provider)
    return provider, trace.get_tracer("rizk-http-python-peer")


def hex_trace(ctx_span):
    sc = ctx_span.get_span_context()
    return format(sc.trace_id, "032x"), format(sc.span_id, "016x"), sc.trace_flags


def serve(args):
    provider, tracer = setup(args.otlp, args.project, "python-peer-server")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def handle_one(self):
            headers = {k.lower(): v for k, v in self.headers.items()}
            parent = propagate.extract(headers)
            remote = trace.get_current_span(parent).get_span_context()
            with tracer.start_as_current_span(
                "python.server", context=parent, kind=trace.SpanKind.SERVER
            ) as span:
                trace_id, span_id, flags = hex_trace(span)
                seen = {
                    "trace_id": trace_id,
                    "span_id": span_id,
                    "parent_span_id": format(remote.span_id, "016x") if remote.is_valid else None,
                    "parent_is_remote": remote.is_remote,
                    "sampled": bool(flags & 1),
                    "baggage": {k: str(v) for k, v in baggage.get_all(parent).items()},
                    "headers": {
                        k: v
                        for k, v in headers.items()
                        if k in ("traceparent", "tracestate", "baggage")
                    },
                }
                span.set_attribute("peer.language", "python")
                body = json.dumps(seen).encode()
            # Answer once the span has ended: the simple processor has then exported it, so a
            # caller that kills this process after the answer loses no span (answering inside
            # the span lost it now and then on a loaded machine).
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self.handle_one()

        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            self.handle_one()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever()
    finally:
        provider.shutdown()


def client(args):
    provider, tracer = setup(args.otlp, args.project, "python-peer-client")
    ctx = context.get_current()
    expected = {}
    for pair in args.baggage:
        key, value = pair.split("=", 1)
        ctx = baggage.set_baggage(key, value, context=ctx)
        expected[key] = value
    token = context.attach(ctx)
    failures = []
    try:
        with tracer.start_as_current_span("python.client", kind=trace.SpanKind.CLIENT) as span:
            trace_id, span_id, _ = hex_trace(span)
            headers = {}
            propagate.inject(headers)
            request = urllib.request.Request(args.url, headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                seen = json.loads(response.read().decode())
    finally:
        context.detach(token)
        provider.shutdown()
    # This side's checks: the Rust server continued this trace under this span, baggage intact.
    if seen.get("trace_id") != trace_id:
        failures.append(f"trace id: sent {trace_id}, the server saw {seen.get('trace_id')}")
    if seen.get("parent_span_id") != span_id:
        failures.append(f"parent: sent {span_id}, the server saw {seen.get('parent_span_id')}")
    for key, value in expected.items():
        got = seen.get("baggage", {}).get(key)
        if got != value:
            failures.append(f"baggage {key}: sent {value!r}, the server saw {got!r}")
    print(
        json.dumps(
            {
                "trace_id": trace_id,
                "span_id": span_id,
                "sent_headers": headers,
                "response": seen,
                "failures": failures,
            }
        ),
        flush=True,
    )
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("server")
    s.add_argument("--otlp")
    s.add_argument("--project", default="default")
    c = sub.add_parser("client")
    c.add_argument("--url", required=True)
    c.add_argument("--baggage", action="append", default=[])
    c.add_argument("--otlp")
    c.add_argument("--project", default="default")
    args = parser.parse_args()
    if args.mode == "server":
        serve(args)
        return 0
    return client(args)


if __name__ == "__main__":
    sys.exit(main())
