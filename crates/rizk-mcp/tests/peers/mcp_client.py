"""An MCP client on Python's `mcp` 2.x SDK: starts the server command over stdio and calls one
tool inside a span of its own, `py.agent`. Its spans go to the JSON-lines file named on the
command line; it prints one JSON line on stdout: the trace id, the `py.agent` span id and the
tool's result.

    python mcp_client.py SPANS.jsonl TOOL ARGS_JSON [KEY=VALUE ...] -- COMMAND [ARG ...]

KEY=VALUE pairs are set in the server's environment (the SDK passes only a safe default set).
"""

import asyncio
import json
import sys

import otel_jsonl


def main():
    argv = sys.argv[1:]
    split = argv.index("--")
    (spans, tool, arguments, *env), (command, *args) = argv[:split], argv[split + 1 :]
    provider = otel_jsonl.setup("py-mcp-client", spans)

    from mcp import Client, StdioServerParameters
    from opentelemetry import trace

    server = StdioServerParameters(
        command=command, args=args, env=dict(pair.split("=", 1) for pair in env)
    )
    tracer = trace.get_tracer("py-agent")

    async def run():
        with tracer.start_as_current_span("py.agent") as span:
            async with Client(server) as client:
                result = await client.call_tool(tool, json.loads(arguments))
            ctx = span.get_span_context()
            return {
                "trace_id": format(ctx.trace_id, "032x"),
                "span_id": format(ctx.span_id, "016x"),
                "is_error": bool(result.is_error),
                "content": [block.model_dump(mode="json") for block in result.content],
            }

    try:
        print(json.dumps(asyncio.run(run())), flush=True)
    finally:
        provider.shutdown()


main()
