//! The attribute keys of the MCP conventions, and what a request says about itself.

use opentelemetry::KeyValue;
use rmcp::model::{CallToolResult, ClientRequest, ErrorData, ServerResult};
use rmcp::service::ServiceError;

/// `mcp.method.name`: the JSON-RPC method (`tools/call`).
pub(crate) const MCP_METHOD_NAME: &str = "mcp.method.name";
/// `mcp.protocol.version`: the negotiated MCP version (`2025-06-18`).
pub(crate) const MCP_PROTOCOL_VERSION: &str = "mcp.protocol.version";
/// `mcp.session.id`: the streamable HTTP session.
pub(crate) const MCP_SESSION_ID: &str = "mcp.session.id";
/// `mcp.resource.uri`: the resource of `resources/read` and (un)subscribe.
pub(crate) const MCP_RESOURCE_URI: &str = "mcp.resource.uri";
/// `jsonrpc.request.id`.
pub(crate) const JSONRPC_REQUEST_ID: &str = "jsonrpc.request.id";
/// `gen_ai.tool.name`.
pub(crate) const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
/// `gen_ai.prompt.name`.
pub(crate) const GEN_AI_PROMPT_NAME: &str = "gen_ai.prompt.name";
/// `gen_ai.operation.name` (`execute_tool` on tool calls only).
pub(crate) const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// `network.transport`: `pipe` (stdio) or `tcp` (HTTP).
pub(crate) const NETWORK_TRANSPORT: &str = "network.transport";
/// `network.protocol.name`: `http` for streamable HTTP.
pub(crate) const NETWORK_PROTOCOL_NAME: &str = "network.protocol.name";
/// `server.address`.
pub(crate) const SERVER_ADDRESS: &str = "server.address";
/// `server.port`.
pub(crate) const SERVER_PORT: &str = "server.port";
/// `error.type`: the JSON-RPC error code, `tool_error`, or the client's failure.
pub(crate) const ERROR_TYPE: &str = "error.type";
/// `rpc.response.status_code`: the JSON-RPC error code, as a string (current conventions).
pub(crate) const RPC_RESPONSE_STATUS_CODE: &str = "rpc.response.status_code";
/// `rpc.jsonrpc.error_code`: the JSON-RPC error code, as an integer (the older RPC
/// conventions, which many backends still read).
pub(crate) const RPC_JSONRPC_ERROR_CODE: &str = "rpc.jsonrpc.error_code";
/// `error.type` of a `tools/call` whose result has `isError: true`.
pub(crate) const TOOL_ERROR: &str = "tool_error";

/// What the span of one request is named and carries at its start.
#[derive(Debug)]
pub(crate) struct Described {
    /// `{mcp.method.name} {target}`, or the method alone.
    pub(crate) name: String,
    pub(crate) attributes: Vec<KeyValue>,
    /// The tool's arguments, for `tools/call` (recorded only when the policy allows).
    pub(crate) arguments: Option<serde_json::Map<String, serde_json::Value>>,
    pub(crate) tool_call: bool,
}

/// What a request is about, beyond its method.
#[derive(Debug)]
pub(crate) enum Target {
    /// Nothing the span name or the attributes name.
    None,
    /// `tools/call`: the tool and its arguments.
    Tool {
        name: String,
        arguments: Option<serde_json::Map<String, serde_json::Value>>,
    },
    /// `prompts/get`.
    Prompt(String),
    /// `resources/read`, `resources/subscribe`, `resources/unsubscribe`.
    Resource(String),
}

/// The name and start attributes of the span of a `method` request about `target`.
pub(crate) fn described(method: &str, target: Target) -> Described {
    let mut attributes = Vec::with_capacity(10);
    attributes.push(KeyValue::new(MCP_METHOD_NAME, method.to_owned()));
    let (name, arguments, tool_call) = match target {
        Target::Tool { name, arguments } => {
            attributes.push(KeyValue::new(GEN_AI_TOOL_NAME, name.clone()));
            attributes.push(KeyValue::new(GEN_AI_OPERATION_NAME, "execute_tool"));
            (format!("{method} {name}"), arguments, true)
        }
        Target::Prompt(name) => {
            attributes.push(KeyValue::new(GEN_AI_PROMPT_NAME, name.clone()));
            (format!("{method} {name}"), None, false)
        }
        // The URI is an attribute, never in the span name: it is high-cardinality.
        Target::Resource(uri) => {
            attributes.push(KeyValue::new(MCP_RESOURCE_URI, uri));
            (method.to_owned(), None, false)
        }
        Target::None => (method.to_owned(), None, false),
    };
    Described {
        name,
        attributes,
        arguments,
        tool_call,
    }
}

/// The method, target and target attributes of a request the client sends.
pub(crate) fn describe(request: &ClientRequest) -> Described {
    let target = match request {
        ClientRequest::CallToolRequest(r) => Target::Tool {
            name: r.params.name.to_string(),
            arguments: r.params.arguments.clone(),
        },
        ClientRequest::GetPromptRequest(r) => Target::Prompt(r.params.name.clone()),
        ClientRequest::ReadResourceRequest(r) => Target::Resource(r.params.uri.clone()),
        #[allow(deprecated)]
        ClientRequest::SubscribeRequest(r) => Target::Resource(r.params.uri.clone()),
        #[allow(deprecated)]
        ClientRequest::UnsubscribeRequest(r) => Target::Resource(r.params.uri.clone()),
        _ => Target::None,
    };
    described(request.method(), target)
}

/// The outcome of a request as the span records it.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// `error.type`, when the request failed.
    pub(crate) error_type: Option<String>,
    /// The status description.
    pub(crate) message: Option<String>,
    /// The JSON-RPC error code, when the peer answered with one.
    pub(crate) code: Option<i32>,
    /// The tool's result as JSON, for `tools/call`.
    pub(crate) tool_result: Option<serde_json::Value>,
    /// The protocol version a server's `initialize` agreed on.
    pub(crate) protocol_version: Option<String>,
}

impl Outcome {
    /// A successful result; a tool result with `isError` is a `tool_error`.
    pub(crate) fn of_result(result: &ServerResult) -> Outcome {
        match result {
            ServerResult::CallToolResult(result) => Outcome::of_tool_result(result),
            _ => Outcome::default(),
        }
    }

    /// A tool's result: its content as JSON; `isError` makes it a `tool_error`.
    pub(crate) fn of_tool_result(result: &CallToolResult) -> Outcome {
        let tool_result = Some(match &result.structured_content {
            Some(structured) => structured.clone(),
            None => serde_json::to_value(&result.content).unwrap_or_default(),
        });
        if result.is_error == Some(true) {
            // The tool's own text says what went wrong; it is content (recorded, under the
            // policy, as the result), so the status says only that the tool failed.
            return Outcome {
                error_type: Some(TOOL_ERROR.to_owned()),
                message: Some("the tool returned isError".to_owned()),
                code: None,
                tool_result,
                protocol_version: None,
            };
        }
        Outcome {
            tool_result,
            ..Outcome::default()
        }
    }

    /// A JSON-RPC error answered by the peer (or returned by a server handler).
    pub(crate) fn of_error_data(error: &ErrorData) -> Outcome {
        Outcome {
            error_type: Some(error.code.0.to_string()),
            message: Some(error.message.to_string()),
            code: Some(error.code.0),
            tool_result: None,
            protocol_version: None,
        }
    }

    /// A client-side failure: the peer's JSON-RPC error, or why no answer came.
    pub(crate) fn of_service_error(error: &ServiceError) -> Outcome {
        let kind = match error {
            ServiceError::McpError(data) => return Outcome::of_error_data(data),
            ServiceError::TransportSend(_) => "transport_send",
            ServiceError::TransportClosed => "transport_closed",
            ServiceError::UnexpectedResponse => "unexpected_response",
            ServiceError::Cancelled { .. } => "cancelled",
            ServiceError::Timeout { .. } => "timeout",
            _ => "_OTHER",
        };
        Outcome {
            error_type: Some(kind.to_owned()),
            message: Some(error.to_string()),
            code: None,
            tool_result: None,
            protocol_version: None,
        }
    }
}
