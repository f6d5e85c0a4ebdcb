//! [rig](https://docs.rs/rig-core) in [rizk](https://docs.rs/rizk) traces: a rig agent run
//! inside `#[workflow]` (or `#[task]`, `#[agent]`) yields agent, tool and LLM spans nested in
//! that trace.
//!
//! rig describes its own work with `tracing` spans carrying the OpenTelemetry GenAI fields: an
//! `invoke_agent` span per run, a `chat` span per model call (on target `rig::agent_chat` or
//! `rig::completions`) with provider, model, response id and token usage, and an
//! `execute_tool` span per tool call with the tool's name, arguments and result. These spans
//! are the truest account of a run (they follow rig's own control flow: retries, parallel
//! tools, streaming), so this integration rests on them: the [`rizk_tracing`] bridge turns
//! them into rizk spans, and this crate adds what the spans lack:
//!
//! - [`AgentBuilderExt::rizk_content_policy`] makes rig record prompts, completions and tool
//!   arguments exactly when rizk's content policy allows (rig records none by default);
//! - [`RizkHook`] marks a failed run on its agent span (status ERROR with rig's reason), which
//!   rig's spans do not carry;
//! - [`init`] installs the bridge for programs without a `tracing` subscriber.
//!
//! ```no_run
//! use rig_agent::AgentBuilder;
//! use rig_core::providers::openai::OpenAIConfig;
//! use rizk_rig::{AgentBuilderExt as _, RizkHook};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let _rizk = rizk_core::install(rizk_core::RizkBuilder::new().app_name("rig-app"))?;
//! rizk_rig::init()?; // or add rizk_tracing::layer() to your own subscriber
//!
//! let model = OpenAIConfig::from_env()?.client().chat("gpt-4o-mini");
//! let agent = AgentBuilder::new(model)
//!     .name("weather_agent")
//!     .preamble("Answer briefly.")
//!     .rizk_content_policy()
//!     .add_hook(RizkHook)
//!     .build();
//! let answer = agent.prompt("Weather in Paris?").await?;
//! # let _ = answer;
//! # Ok(())
//! # }
//! ```

use rig_agent::agent::{RunSettled, SettledOutcome};
use rig_agent::{AgentBuilder, AgentHook, HookContext};

/// rig's agent runtime, as this crate builds against it (0.44).
pub use rig_agent;
/// rig's core (providers, tools, messages), as this crate builds against it (0.44).
pub use rig_core;
pub use rizk_tracing::{RizkLayer, layer};

/// Installs a global `tracing` subscriber with the rizk bridge, so rig's spans reach rizk.
/// Programs that already have a subscriber add [`layer()`] to it instead. Fails if a global
/// subscriber is already set.
///
/// ```
/// if let Err(e) = rizk_rig::init() {
///     eprintln!("tracing subscriber already installed: {e}");
/// }
/// ```
pub fn init() -> Result<(), tracing_subscriber::util::TryInitError> {
    rizk_tracing::try_init()
}

/// rizk's content policy for rig agents.
///
/// ```
/// use rig_agent::AgentBuilder;
/// use rizk_rig::AgentBuilderExt as _;
///
/// fn assistant(model: impl Into<rig_core::DynModel<rig_core::operation::Completion>>) -> rig_agent::Agent {
///     AgentBuilder::new(model).rizk_content_policy().build()
/// }
/// ```
pub trait AgentBuilderExt: Sized {
    /// Has rig record prompts, completions, system instructions and tool arguments and results
    /// on its spans when rizk's content policy (read now, [`rizk_core::content_policy`]) captures
    /// any of them; otherwise rig does not even format them. The bridge still applies the policy
    /// per field (prompts, completions, system prompts, tool arguments each on their own).
    fn rizk_content_policy(self) -> Self;
}

impl<S> AgentBuilderExt for AgentBuilder<S> {
    fn rizk_content_policy(self) -> Self {
        use rizk_core::content::ContentKind;
        let captures = rizk_core::content_policy().is_some_and(|policy| {
            [
                ContentKind::UserInput,
                ContentKind::LlmInput,
                ContentKind::LlmOutput,
                ContentKind::FunctionInput,
                ContentKind::FunctionOutput,
            ]
            .into_iter()
            .any(|kind| policy.treatment(kind).captures())
        });
        self.record_content_telemetry(captures)
    }
}

/// A rig hook that marks a failed agent run on the run's span: status ERROR with rig's reason
/// and an `exception` event. Add it with `AgentBuilder::add_hook(RizkHook)`.
///
/// ```
/// use rig_agent::AgentBuilder;
/// use rizk_rig::RizkHook;
///
/// fn assistant(model: impl Into<rig_core::DynModel<rig_core::operation::Completion>>) -> rig_agent::Agent {
///     AgentBuilder::new(model).add_hook(RizkHook).build()
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RizkHook;

/// The error a failed run reports, for `exception.type`.
#[derive(Debug)]
struct AgentRunError<'a>(&'a str);

impl std::fmt::Display for AgentRunError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for AgentRunError<'_> {}

impl AgentHook for RizkHook {
    fn name(&self) -> Option<String> {
        Some("rizk".to_owned())
    }

    fn observes(&self, kind: rig_agent::agent::StepEventKind) -> bool {
        kind == rig_agent::agent::StepEventKind::RunSettled
    }

    fn on_run_settled(
        &self,
        _ctx: &HookContext,
        event: RunSettled<'_>,
    ) -> impl Future<Output = ()> + Send {
        if let SettledOutcome::Error(reason) = event.outcome {
            // rig settles a run inside its agent span, which the bridge made current.
            rizk_core::current_span().record_error(&AgentRunError(reason));
        }
        async {}
    }
}
