"""The OpenTelemetry SDK set up for the MCP peers: every finished span is written at once as a
JSON line to a file (the keys of rizk's JSON-lines exporter), so the Rust tests read the Python
side's spans back without a collector. The propagator is the SDK's default (W3C Trace Context
and Baggage), which mcp 2.x uses to inject and extract `params._meta`."""

import json
import threading

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult


class JsonLinesExporter(SpanExporter):
    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def export(self, spans):
        with self._lock:
            for span in spans:
                ctx = span.get_span_context()
                self._file.write(
                    json.dumps(
                        {
                            "trace_id": format(ctx.trace_id, "032x"),
                            "span_id": format(ctx.span_id, "016x"),
                            "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
                            "name": span.name,
                            "kind": span.kind.name.lower(),
                            "attributes": dict(span.attributes or {}),
                        }
                    )
                    + "\n"
                )
            # Flushed per span: the Rust test may read the file while this process still runs.
            self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self):
        self._file.close()


def setup(service_name, path):
    """Installs the global tracer provider; returns it (shut it down to close the file)."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesExporter(path)))
    trace.set_tracer_provider(provider)
    return provider
