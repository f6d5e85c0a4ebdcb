//! The server side: [`TracedServer`], a SERVER span per request, continued from `params._meta`.

use std::borrow::Cow;
use std::future::Future;

use opentelemetry::trace::{Link, SpanKind, TraceContextExt as _};
use opentelemetry::{Context, KeyValue};
use rizk_core::PropagateExt as _;
use rmcp::ServerHandler;
use rmcp::model::*;
use rmcp::service::SubscriptionContext;
use rmcp::service::{MaybeSendFuture, NotificationContext, RequestContext, RoleServer};

use crate::attributes::{self as attr, Outcome, Target};
use crate::carrier;
use crate::span::McpSpan;

/// An rmcp [`ServerHandler`] around yours, whose requests are traced: each request becomes a
/// SERVER span `{mcp.method.name} {target}` that continues the caller's trace from the
/// request's `params._meta` (`traceparent`, `tracestate`, `baggage`, read with the propagator
/// rizk installs), and that is current while the handler runs, so the `#[task]`s, `#[tool]`s
/// and LLM calls inside a tool nest under it.
///
/// The span carries `mcp.method.name`, `gen_ai.tool.name` / `gen_ai.prompt.name` /
/// `mcp.resource.uri`, `jsonrpc.request.id`, `mcp.protocol.version`, `network.transport`
/// (`tcp` with `network.protocol.name = http` when rmcp's streamable HTTP server hands over
/// the HTTP request, `pipe` otherwise), `mcp.session.id` (HTTP), the tool's arguments and
/// result under rizk's content policy, `error.type = tool_error` for a result with
/// `isError`, and the JSON-RPC error code of a handler's error. The trace context of the
/// HTTP request itself (its headers), when there is one, is linked, not made the parent: one
/// HTTP request may carry several MCP messages.
///
/// ```no_run
/// use rmcp::{ServerHandler, ServiceExt as _};
///
/// #[derive(Clone)]
/// struct Tools;
/// impl ServerHandler for Tools {}
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let server = rizk_mcp::TracedServer::new(Tools)
///     .serve(rmcp::transport::stdio())
///     .await?;
/// server.waiting().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TracedServer<S> {
    inner: S,
}

impl<S> TracedServer<S> {
    /// Wraps `inner`.
    ///
    /// ```
    /// #[derive(Clone)]
    /// struct Tools;
    /// impl rmcp::ServerHandler for Tools {}
    ///
    /// let server = rizk_mcp::TracedServer::new(Tools);
    /// # let _ = server;
    /// ```
    pub fn new(inner: S) -> TracedServer<S> {
        TracedServer { inner }
    }

    /// The wrapped server.
    ///
    /// ```
    /// # #[derive(Clone)] struct Tools;
    /// # impl rmcp::ServerHandler for Tools {}
    /// let server = rizk_mcp::TracedServer::new(Tools);
    /// let _tools: &Tools = server.inner();
    /// ```
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

/// A context worth parenting or linking: one with a valid span.
fn has_span(cx: &Context) -> bool {
    cx.span().span_context().is_valid()
}

/// The parent, links and connection attributes of a request.
fn continuation(
    context: &RequestContext<RoleServer>,
    method: &str,
) -> (Context, Vec<Link>, Vec<KeyValue>) {
    let mut attributes = Vec::with_capacity(5);
    attributes.push(KeyValue::new(
        attr::JSONRPC_REQUEST_ID,
        context.id.to_string(),
    ));
    // `initialize` is what decides the version: its span takes the agreed one from the result.
    if let Some(version) = context
        .protocol_version()
        .filter(|_| method != "initialize")
    {
        attributes.push(KeyValue::new(
            attr::MCP_PROTOCOL_VERSION,
            version.as_str().to_owned(),
        ));
    }
    let from_meta = carrier::extract(&context.meta.0.0);
    let mut ambient = Vec::with_capacity(2);
    match context.extensions.get::<http::request::Parts>() {
        Some(parts) => {
            attributes.push(KeyValue::new(attr::NETWORK_TRANSPORT, "tcp"));
            attributes.push(KeyValue::new(attr::NETWORK_PROTOCOL_NAME, "http"));
            if let Some(session) = parts
                .headers
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
            {
                attributes.push(KeyValue::new(attr::MCP_SESSION_ID, session.to_owned()));
            }
            let from_headers = opentelemetry::global::get_text_map_propagator(|p| {
                p.extract_with_context(&Context::new(), &carrier::HeaderExtractor(&parts.headers))
            });
            ambient.push(from_headers);
        }
        None => attributes.push(KeyValue::new(attr::NETWORK_TRANSPORT, "pipe")),
    }
    ambient.push(Context::current());
    // `_meta` is the parent (the conventions' rule); without it, the transport's context is.
    let parent = if has_span(&from_meta) {
        from_meta
    } else {
        let found = ambient.iter().position(has_span);
        match found {
            Some(i) => ambient.swap_remove(i),
            None => from_meta,
        }
    };
    let parent_id = parent.span().span_context().span_id();
    let mut links: Vec<Link> = Vec::new();
    for cx in ambient.iter().filter(|cx| has_span(cx)) {
        let span_context = cx.span().span_context().clone();
        if span_context.span_id() != parent_id
            && !links
                .iter()
                .any(|l| l.span_context.span_id() == span_context.span_id())
        {
            links.push(Link::with_context(span_context));
        }
    }
    (parent, links, attributes)
}

/// No outcome beyond success: most results carry nothing the span records.
fn no_outcome<T>(_: &T) -> Outcome {
    Outcome::default()
}

/// The protocol version `initialize` agreed on.
fn initialize_outcome(result: &InitializeResult) -> Outcome {
    Outcome {
        protocol_version: Some(result.protocol_version.as_str().to_owned()),
        ..Outcome::default()
    }
}

/// A tool's final result: its content, and `tool_error` when it has `isError`.
fn tool_outcome(response: &CallToolResponse) -> Outcome {
    match response {
        CallToolResponse::Complete(result) => Outcome::of_tool_result(result),
        _ => Outcome::default(),
    }
}

impl<S: ServerHandler> TracedServer<S> {
    /// Runs `call` inside the SERVER span of a `method` request about `target`.
    fn traced<'a, T, F>(
        &'a self,
        method: impl AsRef<str>,
        target: Target,
        context: RequestContext<RoleServer>,
        outcome: fn(&T) -> Outcome,
        call: impl FnOnce(RequestContext<RoleServer>) -> F,
    ) -> impl Future<Output = Result<T, ErrorData>> + MaybeSendFuture + 'a
    where
        F: Future<Output = Result<T, ErrorData>> + MaybeSendFuture + 'a,
        T: 'a,
    {
        let described = attr::described(method.as_ref(), target);
        let (parent, links, attributes) = continuation(&context, method.as_ref());
        let span = McpSpan::start(SpanKind::Server, described, attributes, &parent, links);
        let handled = {
            let _current = span.context().clone().attach();
            // Binds the server span (and rizk's frame) to every poll of the handler.
            call(context).in_current_trace()
        };
        async move {
            let result = handled.await;
            match &result {
                Ok(value) => span.finish(outcome(value)),
                Err(error) => span.finish(Outcome::of_error_data(error)),
            }
            result
        }
    }
}

// Every request method is traced; notifications, the subscription stream and the
// synchronous accessors are passed through as they are. Deprecated methods (logging,
// legacy subscriptions) are still part of the trait, so they are forwarded too.
#[allow(deprecated)]
impl<S: ServerHandler> ServerHandler for TracedServer<S> {
    fn ping(
        &self,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        self.traced("ping", Target::None, context, no_outcome, move |context| {
            self.inner.ping(context)
        })
    }

    fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<InitializeResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "initialize",
            Target::None,
            context,
            initialize_outcome,
            move |context| self.inner.initialize(request, context),
        )
    }

    fn negotiate_initialize(
        &self,
        request: &InitializeRequestParams,
    ) -> Result<InitializeResult, ErrorData> {
        self.inner.negotiate_initialize(request)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }

    fn discover(
        &self,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<DiscoverResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "server/discover",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.discover(context),
        )
    }

    fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CompleteResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "completion/complete",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.complete(request, context),
        )
    }

    fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "logging/setLevel",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.set_level(request, context),
        )
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetPromptResponse, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "prompts/get",
            Target::Prompt(request.name.clone()),
            context,
            no_outcome,
            move |context| self.inner.get_prompt(request, context),
        )
    }

    fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListPromptsResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "prompts/list",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.list_prompts(request, context),
        )
    }

    fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourcesResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "resources/list",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.list_resources(request, context),
        )
    }

    fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourceTemplatesResult, ErrorData>> + MaybeSendFuture + '_
    {
        self.traced(
            "resources/templates/list",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.list_resource_templates(request, context),
        )
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceResponse, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "resources/read",
            Target::Resource(request.uri.clone()),
            context,
            no_outcome,
            move |context| self.inner.read_resource(request, context),
        )
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        self.inner.accepted_subscription_filter(requested)
    }

    fn listen(
        &self,
        context: SubscriptionContext,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        self.inner.listen(context)
    }

    fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "resources/subscribe",
            Target::Resource(request.uri.clone()),
            context,
            no_outcome,
            move |context| self.inner.subscribe(request, context),
        )
    }

    fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "resources/unsubscribe",
            Target::Resource(request.uri.clone()),
            context,
            no_outcome,
            move |context| self.inner.unsubscribe(request, context),
        )
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "tools/call",
            Target::Tool {
                name: request.name.to_string(),
                arguments: request.arguments.clone(),
            },
            context,
            tool_outcome,
            move |context| self.inner.call_tool(request, context),
        )
    }

    fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "tools/list",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.list_tools(request, context),
        )
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner.get_tool(name)
    }

    fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CustomResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            request.method.clone(),
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.on_custom_request(request, context),
        )
    }

    fn on_cancelled(
        &self,
        notification: CancelledNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_cancelled(notification, context)
    }

    fn on_progress(
        &self,
        notification: ProgressNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_progress(notification, context)
    }

    fn on_initialized(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_initialized(context)
    }

    fn on_roots_list_changed(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_roots_list_changed(context)
    }

    fn on_custom_notification(
        &self,
        notification: CustomNotification,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_custom_notification(notification, context)
    }

    fn get_info(&self) -> ServerConfig {
        self.inner.get_info()
    }

    fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetTaskResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "tasks/get",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.get_task(request, context),
        )
    }

    fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "tasks/update",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.update_task(request, context),
        )
    }

    fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "tasks/cancel",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.cancel_task(request, context),
        )
    }

    fn list_skills(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListSkillsResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "skills/list",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.list_skills(request, context),
        )
    }

    fn get_skill(
        &self,
        request: GetSkillRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetSkillResult, ErrorData>> + MaybeSendFuture + '_ {
        self.traced(
            "skills/get",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.get_skill(request, context),
        )
    }

    fn read_resource_directory(
        &self,
        request: ReadResourceDirectoryRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceDirectoryResult, ErrorData>> + MaybeSendFuture + '_
    {
        self.traced(
            "resources/directory/read",
            Target::None,
            context,
            no_outcome,
            move |context| self.inner.read_resource_directory(request, context),
        )
    }
}
