"""An MCP tool server on Python's `mcp` 2.x SDK, over stdio: one tool, `add`. Its spans (the
SDK's own SERVER span per request, and `py.add` inside the tool) go to the JSON-lines file named
on the command line.

    python mcp_server.py SPANS.jsonl
"""

import sys

import otel_jsonl

provider = otel_jsonl.setup("py-mcp-server", sys.argv[1])

from mcp.server.mcpserver import MCPServer  # noqa: E402
from opentelemetry import trace  # noqa: E402

server = MCPServer("py-tools")
tracer = trace.get_tracer("py-tools")


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two integers."""
    # Work inside the tool: must nest under the SDK's server span.
    with tracer.start_as_current_span("py.add"):
        return a + b


try:
    # Returns when the client closes our stdin.
    server.run("stdio")
finally:
    provider.shutdown()
