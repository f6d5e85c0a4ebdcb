//! The client side: [`TracedPeer`], a CLIENT span per request, its context in `params._meta`.

use std::ops::Deref;

use opentelemetry::trace::{FutureExt as _, SpanKind};
use opentelemetry::{Context, KeyValue};
use rmcp::Peer;
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, ClientRequest, GetMeta as _,
    GetPromptRequest, GetPromptRequestParams, GetPromptResult, ListPromptsRequest,
    ListPromptsResult, ListResourcesRequest, ListResourcesResult, ListToolsRequest,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequest, ReadResourceRequestParams,
    ReadResourceResult, ServerResult,
};
use rmcp::service::{PeerRequestOptions, RoleClient, ServiceError};

use crate::attributes::{self as attr, Outcome};
use crate::carrier;
use crate::error::Error;
use crate::span::McpSpan;

/// A typed request method of [`TracedPeer`]: builds the request, sends it through
/// [`TracedPeer::send_request`], and expects the matching result.
macro_rules! typed_request {
    ($(#[$doc:meta])* $name:ident($param:ident: $params:ty) -> $result:ident, $variant:ident($build:expr)) => {
        $(#[$doc])*
        pub async fn $name(&self, $param: $params) -> Result<$result, ServiceError> {
            match self.send_request(ClientRequest::$variant($build)).await? {
                ServerResult::$result(result) => Ok(result),
                _ => Err(ServiceError::UnexpectedResponse),
            }
        }
    };
}

/// How the client reaches its server: what `network.transport`, `server.address` and
/// `server.port` say.
#[derive(Debug, Clone)]
enum Network {
    /// stdio to a child process.
    Pipe,
    /// Streamable HTTP.
    Tcp { address: String, port: Option<u16> },
}

/// An rmcp client [`Peer`] whose requests are traced: each request becomes a CLIENT span
/// `{mcp.method.name} {target}` (`tools/call web_search`) under the current span, and the
/// span's context travels in the request's `params._meta` (`traceparent`, `tracestate`,
/// `baggage`, through the propagator rizk installs), so that a server traced with
/// [`crate::TracedServer`] (or any server following the GenAI MCP conventions, such as
/// Python's `mcp` SDK) continues the same trace.
///
/// It dereferences to the [`Peer`], so methods it does not trace remain at hand.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use rmcp::ServiceExt as _;
/// use rmcp::model::CallToolRequestParams;
/// use rmcp::transport::TokioChildProcess;
///
/// let transport = TokioChildProcess::new(tokio::process::Command::new("my-mcp-server"))?;
/// let client = ().serve(transport).await?;
/// let mcp = rizk_mcp::TracedPeer::stdio(client.peer().clone());
/// let result = mcp
///     .call_tool(CallToolRequestParams::new("web_search").with_arguments(
///         serde_json::json!({ "query": "rust" }).as_object().cloned().unwrap_or_default(),
///     ))
///     .await?;
/// # let _ = result;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TracedPeer {
    peer: Peer<RoleClient>,
    network: Network,
    session_id: Option<String>,
}

impl TracedPeer {
    /// Traces a client connected over stdio (a child process): `network.transport = pipe`.
    ///
    /// ```no_run
    /// # async fn run(client: rmcp::service::RunningService<rmcp::RoleClient, ()>) {
    /// let mcp = rizk_mcp::TracedPeer::stdio(client.peer().clone());
    /// # let _ = mcp;
    /// # }
    /// ```
    pub fn stdio(peer: Peer<RoleClient>) -> TracedPeer {
        TracedPeer {
            peer,
            network: Network::Pipe,
            session_id: None,
        }
    }

    /// Traces a client connected over streamable HTTP to `url` (the URL the transport was
    /// given): `network.transport = tcp`, `network.protocol.name = http`, `server.address`
    /// and `server.port` from the URL.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when `url` is not an absolute URL with a host.
    ///
    /// ```no_run
    /// # async fn run(client: rmcp::service::RunningService<rmcp::RoleClient, ()>) -> Result<(), rizk_mcp::Error> {
    /// let mcp = rizk_mcp::TracedPeer::http(client.peer().clone(), "http://127.0.0.1:8000/mcp")?;
    /// # let _ = mcp;
    /// # Ok(())
    /// # }
    /// ```
    pub fn http(peer: Peer<RoleClient>, url: &str) -> Result<TracedPeer, Error> {
        let parsed = url::Url::parse(url).map_err(|e| Error::InvalidUrl {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        let Some(host) = parsed.host_str() else {
            return Err(Error::InvalidUrl {
                url: url.to_owned(),
                reason: "it has no host".to_owned(),
            });
        };
        Ok(TracedPeer {
            peer,
            network: Network::Tcp {
                address: host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
                port: parsed.port_or_known_default(),
            },
            session_id: None,
        })
    }

    /// Records `mcp.session.id` on every span. rmcp's streamable HTTP client keeps the
    /// session id to itself; pass it here when your code knows it.
    ///
    /// ```no_run
    /// # fn f(mcp: rizk_mcp::TracedPeer) {
    /// let mcp = mcp.with_session_id("191c4850af6c49e08843a3f6c80e5046");
    /// # let _ = mcp;
    /// # }
    /// ```
    pub fn with_session_id(mut self, session_id: impl Into<String>) -> TracedPeer {
        self.session_id = Some(session_id.into());
        self
    }

    /// The peer this wraps.
    ///
    /// ```no_run
    /// # fn f(mcp: &rizk_mcp::TracedPeer) {
    /// let info = mcp.peer().peer_info();
    /// # let _ = info;
    /// # }
    /// ```
    pub fn peer(&self) -> &Peer<RoleClient> {
        &self.peer
    }

    /// The transport, session and protocol attributes every span carries.
    fn connection_attributes(&self) -> Vec<KeyValue> {
        let mut attributes = Vec::with_capacity(5);
        match &self.network {
            Network::Pipe => attributes.push(KeyValue::new(attr::NETWORK_TRANSPORT, "pipe")),
            Network::Tcp { address, port } => {
                attributes.push(KeyValue::new(attr::NETWORK_TRANSPORT, "tcp"));
                attributes.push(KeyValue::new(attr::NETWORK_PROTOCOL_NAME, "http"));
                attributes.push(KeyValue::new(attr::SERVER_ADDRESS, address.clone()));
                if let Some(port) = port {
                    attributes.push(KeyValue::new(attr::SERVER_PORT, i64::from(*port)));
                }
            }
        }
        if let Some(info) = self.peer.peer_info() {
            attributes.push(KeyValue::new(
                attr::MCP_PROTOCOL_VERSION,
                info.protocol_version.as_str().to_owned(),
            ));
        }
        if let Some(session_id) = &self.session_id {
            attributes.push(KeyValue::new(attr::MCP_SESSION_ID, session_id.clone()));
        }
        attributes
    }

    /// Sends any request, traced; the typed methods below call this.
    ///
    /// The span starts in the caller's task, under its current span; it ends when the
    /// response (or error) arrives, or, if this future is dropped first, as cancelled.
    ///
    /// # Errors
    ///
    /// rmcp's [`ServiceError`], unchanged: a JSON-RPC error from the server, a closed
    /// transport, a timeout.
    ///
    /// ```no_run
    /// # async fn run(mcp: rizk_mcp::TracedPeer) -> Result<(), rmcp::ServiceError> {
    /// use rmcp::model::{ClientRequest, PingRequest};
    /// let result = mcp.send_request(ClientRequest::PingRequest(PingRequest::default())).await?;
    /// # let _ = result;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_request(
        &self,
        mut request: ClientRequest,
    ) -> Result<ServerResult, ServiceError> {
        let described = attr::describe(&request);
        let span = McpSpan::start(
            SpanKind::Client,
            described,
            self.connection_attributes(),
            &Context::current(),
            Vec::new(),
        );
        // The extensions-level `_meta` wins over the params' own on serialization (rmcp's
        // rule), so the trace context goes there.
        carrier::inject(span.context(), &mut request.get_meta_mut().0.0);
        let sent = self
            .peer
            .send_request_with_option(request, PeerRequestOptions::no_options())
            .with_context(span.context().clone())
            .await;
        let handle = match sent {
            Ok(handle) => handle,
            Err(error) => {
                span.finish(Outcome::of_service_error(&error));
                return Err(error);
            }
        };
        span.set_attribute(KeyValue::new(
            attr::JSONRPC_REQUEST_ID,
            handle.id.to_string(),
        ));
        let result = handle
            .await_response()
            .with_context(span.context().clone())
            .await;
        match &result {
            Ok(response) => span.finish(Outcome::of_result(response)),
            Err(error) => span.finish(Outcome::of_service_error(error)),
        }
        result
    }

    typed_request! {
        /// `tools/call`, traced as `tools/call {name}` with `gen_ai.operation.name =
        /// execute_tool`; the arguments and the result are recorded as
        /// `gen_ai.tool.call.arguments` / `gen_ai.tool.call.result` when rizk's content policy
        /// allows function inputs and outputs. A result with `isError: true` is returned as it
        /// is, and marks the span `error.type = tool_error`.
        ///
        /// # Errors
        ///
        /// As [`TracedPeer::send_request`]; [`ServiceError::UnexpectedResponse`] when the server
        /// answers with something other than a final tool result.
        ///
        /// ```no_run
        /// # async fn run(mcp: rizk_mcp::TracedPeer) -> Result<(), rmcp::ServiceError> {
        /// let result = mcp.call_tool(rmcp::model::CallToolRequestParams::new("get_time")).await?;
        /// # let _ = result;
        /// # Ok(())
        /// # }
        /// ```
        call_tool(params: CallToolRequestParams) -> CallToolResult,
        CallToolRequest(CallToolRequest::new(params))
    }

    typed_request! {
        /// `tools/list`, traced.
        ///
        /// # Errors
        ///
        /// As [`TracedPeer::send_request`].
        ///
        /// ```no_run
        /// # async fn run(mcp: rizk_mcp::TracedPeer) -> Result<(), rmcp::ServiceError> {
        /// let tools = mcp.list_tools(None).await?.tools;
        /// # let _ = tools;
        /// # Ok(())
        /// # }
        /// ```
        list_tools(params: Option<PaginatedRequestParams>) -> ListToolsResult,
        ListToolsRequest(ListToolsRequest { method: Default::default(), params, extensions: Default::default() })
    }

    typed_request! {
        /// `resources/read`, traced, with `mcp.resource.uri` (never in the span name: URIs are
        /// high-cardinality).
        ///
        /// # Errors
        ///
        /// As [`TracedPeer::send_request`].
        ///
        /// ```no_run
        /// # async fn run(mcp: rizk_mcp::TracedPeer) -> Result<(), rmcp::ServiceError> {
        /// let read = mcp.read_resource(rmcp::model::ReadResourceRequestParams::new("file:///notes.txt")).await?;
        /// # let _ = read;
        /// # Ok(())
        /// # }
        /// ```
        read_resource(params: ReadResourceRequestParams) -> ReadResourceResult,
        ReadResourceRequest(ReadResourceRequest::new(params))
    }

    typed_request! {
        /// `resources/list`, traced.
        ///
        /// # Errors
        ///
        /// As [`TracedPeer::send_request`].
        ///
        /// ```no_run
        /// # async fn run(mcp: rizk_mcp::TracedPeer) -> Result<(), rmcp::ServiceError> {
        /// let resources = mcp.list_resources(None).await?.resources;
        /// # let _ = resources;
        /// # Ok(())
        /// # }
        /// ```
        list_resources(params: Option<PaginatedRequestParams>) -> ListResourcesResult,
        ListResourcesRequest(ListResourcesRequest { method: Default::default(), params, extensions: Default::default() })
    }

    typed_request! {
        /// `prompts/get`, traced as `prompts/get {name}` with `gen_ai.prompt.name`.
        ///
        /// # Errors
        ///
        /// As [`TracedPeer::send_request`].
        ///
        /// ```no_run
        /// # async fn run(mcp: rizk_mcp::TracedPeer) -> Result<(), rmcp::ServiceError> {
        /// let prompt = mcp.get_prompt(rmcp::model::GetPromptRequestParams::new("summarize")).await?;
        /// # let _ = prompt;
        /// # Ok(())
        /// # }
        /// ```
        get_prompt(params: GetPromptRequestParams) -> GetPromptResult,
        GetPromptRequest(GetPromptRequest::new(params))
    }

    typed_request! {
        /// `prompts/list`, traced.
        ///
        /// # Errors
        ///
        /// As [`TracedPeer::send_request`].
        ///
        /// ```no_run
        /// # async fn run(mcp: rizk_mcp::TracedPeer) -> Result<(), rmcp::ServiceError> {
        /// let prompts = mcp.list_prompts(None).await?.prompts;
        /// # let _ = prompts;
        /// # Ok(())
        /// # }
        /// ```
        list_prompts(params: Option<PaginatedRequestParams>) -> ListPromptsResult,
        ListPromptsRequest(ListPromptsRequest { method: Default::default(), params, extensions: Default::default() })
    }
}

impl Deref for TracedPeer {
    type Target = Peer<RoleClient>;

    fn deref(&self) -> &Peer<RoleClient> {
        &self.peer
    }
}
