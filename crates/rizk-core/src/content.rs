//! Content policy and the export-side seams that later crates fill (redaction, hashing).

use std::borrow::Cow;

use crate::semconv::EntityKind;
use opentelemetry_sdk::trace::SpanData;
use sha2::{Digest, Sha256};

/// Rewrites text that may carry content (prompts, completions, inputs, outputs) before it leaves
/// the process. `rizk-redaction` implements it; anything else can too.
///
/// Implementations return [`Cow::Borrowed`] when nothing changed, so clean text is not copied.
///
/// ```
/// use std::borrow::Cow;
/// use rizk_core::content::ContentRedactor;
///
/// struct HideDigits;
/// impl ContentRedactor for HideDigits {
///     fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
///         if text.bytes().any(|b| b.is_ascii_digit()) {
///             Cow::Owned(text.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect())
///         } else {
///             Cow::Borrowed(text)
///         }
///     }
/// }
/// assert_eq!(HideDigits.redact("PIN 1234"), "PIN ####");
/// assert!(matches!(HideDigits.redact("no digits"), Cow::Borrowed(_)));
/// ```
pub trait ContentRedactor: Send + Sync + 'static {
    /// Returns `text` with every sensitive part replaced.
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str>;
}

/// A step that every span passes through on the export side (in the export thread, never on
/// the traced application's thread), before any exporter sees it: redaction, content hashing,
/// attribute clean-up.
///
/// ```
/// use opentelemetry_sdk::trace::SpanData;
/// use rizk_core::content::SpanTransform;
///
/// #[derive(Debug)]
/// struct DropDebugAttributes;
/// impl SpanTransform for DropDebugAttributes {
///     fn transform(&self, span: &mut SpanData) {
///         span.attributes.retain(|kv| !kv.key.as_str().starts_with("debug."));
///     }
/// }
/// ```
pub trait SpanTransform: Send + Sync + std::fmt::Debug + 'static {
    /// Rewrites `span` in place.
    fn transform(&self, span: &mut SpanData);
}

/// The kinds of content a span can carry; the policy treats each on its own.
///
/// ```
/// use rizk_core::content::{ContentKind, ContentPolicy};
///
/// let no_prompts = ContentPolicy { trace_llm_inputs: Some(false), ..ContentPolicy::default() };
/// assert!(!no_prompts.allows(ContentKind::LlmInput));
/// assert!(!no_prompts.allows(ContentKind::Conversation)); // it holds prompts
/// assert!(no_prompts.allows(ContentKind::FunctionOutput));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentKind {
    /// What the user sent: the inputs of a `#[workflow]`, user messages to a model.
    UserInput,
    /// The arguments of a `#[task]`, `#[agent]` or `#[tool]`.
    FunctionInput,
    /// The return value of a decorated function.
    FunctionOutput,
    /// A prompt sent to a model (other than system and user messages).
    LlmInput,
    /// A system prompt.
    SystemPrompt,
    /// A model's completion.
    LlmOutput,
    /// A whole conversation sent to a model in one value (`input.value` of an LLM span,
    /// `gen_ai.input.messages`): it holds the system prompt and the user's messages next to
    /// the other prompts, so it is allowed only when LLM inputs, system prompts and user
    /// inputs all are.
    Conversation,
    /// The text of an error: a span's status description, `exception.message` and
    /// `exception.stacktrace` (`exception.type` is metadata and always kept). Errors often
    /// quote what the user sent. Allowed when `trace_content` is.
    ErrorMessage,
    /// What other crates' `tracing` instrumentation records through the bridge: the fields of
    /// their spans (the arguments of a `#[tracing::instrument]` function) and the messages and
    /// fields of their events, except the structural keys the bridge maps (model, provider,
    /// token counts, ...). They may hold any kind of content, so they are allowed only while
    /// `trace_content` is on and no selective flag turns a kind off.
    TracingField,
}

impl ContentKind {
    /// Every kind, for tables and tests that walk them all.
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy};
    /// let metadata_only = ContentPolicy { trace_metadata_only: true, ..ContentPolicy::default() };
    /// assert!(ContentKind::ALL.iter().all(|&kind| !metadata_only.allows(kind)));
    /// ```
    pub const ALL: [ContentKind; 9] = [
        ContentKind::UserInput,
        ContentKind::FunctionInput,
        ContentKind::FunctionOutput,
        ContentKind::LlmInput,
        ContentKind::SystemPrompt,
        ContentKind::LlmOutput,
        ContentKind::Conversation,
        ContentKind::ErrorMessage,
        ContentKind::TracingField,
    ];

    /// What a span's input (`input.value`) holds, by the span's kind: a workflow's is what the
    /// user sent, an LLM call's the whole conversation, any other span's its function's
    /// arguments. The one rule, read by the macros when they capture an input and by the
    /// content policy when it treats one.
    ///
    /// ```
    /// use rizk_core::content::ContentKind;
    /// use rizk_core::semconv::EntityKind;
    /// assert_eq!(ContentKind::of_input(Some(EntityKind::Workflow)), ContentKind::UserInput);
    /// assert_eq!(ContentKind::of_input(Some(EntityKind::Llm)), ContentKind::Conversation);
    /// assert_eq!(ContentKind::of_input(None), ContentKind::FunctionInput);
    /// ```
    pub fn of_input(span_kind: Option<EntityKind>) -> ContentKind {
        match span_kind {
            Some(EntityKind::Workflow) => ContentKind::UserInput,
            Some(EntityKind::Llm) => ContentKind::Conversation,
            _ => ContentKind::FunctionInput,
        }
    }

    /// What a span's output (`output.value`) holds: an LLM call's is the model's completion,
    /// any other span's its function's return value.
    ///
    /// ```
    /// use rizk_core::content::ContentKind;
    /// use rizk_core::semconv::EntityKind;
    /// assert_eq!(ContentKind::of_output(Some(EntityKind::Llm)), ContentKind::LlmOutput);
    /// assert_eq!(ContentKind::of_output(Some(EntityKind::Tool)), ContentKind::FunctionOutput);
    /// ```
    pub fn of_output(span_kind: Option<EntityKind>) -> ContentKind {
        match span_kind {
            Some(EntityKind::Llm) => ContentKind::LlmOutput,
            _ => ContentKind::FunctionOutput,
        }
    }
}

/// The status description a failed span carries when the content policy withholds its error
/// message (neither allowed nor hashed): the status stays ERROR, the text says why it is empty.
///
/// ```
/// assert_eq!(
///     rizk_core::content::WITHHELD_ERROR_DESCRIPTION,
///     "error (message withheld by the content policy)"
/// );
/// ```
pub const WITHHELD_ERROR_DESCRIPTION: &str = "error (message withheld by the content policy)";

/// Span or event attribute (a string array) naming the other attributes of the same span or
/// event that hold [`ContentKind::TracingField`] content. Producers whose keys are not known in
/// advance (the `tracing` bridge) mark their content with it; the export-side transform applies
/// the policy to the named attributes and removes the marker, so it never leaves the process.
///
/// ```
/// use opentelemetry::{Array, KeyValue, StringValue, Value};
/// use rizk_core::content::CONTENT_FIELDS_KEY;
///
/// // A span with a `user_query` field that is content.
/// let marker = KeyValue::new(
///     CONTENT_FIELDS_KEY,
///     Value::Array(Array::String(vec![StringValue::from("user_query")])),
/// );
/// # let _ = marker;
/// ```
pub const CONTENT_FIELDS_KEY: &str = "rizk.content.fields";

/// Event attribute marking the event's *name* as [`ContentKind::TracingField`] content (a
/// `tracing` event named by its message); its value is the name to use instead when the policy
/// withholds the content. Removed on the export side like [`CONTENT_FIELDS_KEY`].
///
/// ```
/// use opentelemetry::KeyValue;
/// use rizk_core::content::CONTENT_EVENT_NAME_KEY;
///
/// // An event named "user asked: ..." that becomes "event src/lib.rs:12" when withheld.
/// let marker = KeyValue::new(CONTENT_EVENT_NAME_KEY, "event src/lib.rs:12");
/// # let _ = marker;
/// ```
pub const CONTENT_EVENT_NAME_KEY: &str = "rizk.content.event_name";

/// What happens to one piece of content.
///
/// ```
/// use rizk_core::content::{ContentKind, ContentPolicy, Treatment};
///
/// let policy = ContentPolicy { content_redaction_enabled: false, ..ContentPolicy::default() };
/// assert_eq!(policy.treatment(ContentKind::LlmOutput), Treatment::Record);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// Recorded as it is.
    Record,
    /// Recorded after redaction, on the export side.
    Redact,
    /// Replaced by `sha256:<hex>` of it, on the export side.
    Hash,
    /// Never formatted, never recorded.
    Omit,
}

impl Treatment {
    /// Whether the content has to be captured at all (formatted on the traced thread).
    ///
    /// ```
    /// use rizk_core::content::Treatment;
    ///
    /// assert!(Treatment::Hash.captures());
    /// assert!(!Treatment::Omit.captures());
    /// ```
    pub fn captures(self) -> bool {
        self != Treatment::Omit
    }
}

/// The content flags in force, small enough to read on every span.
///
/// [`ContentPolicy::treatment`] is the one place they combine; `docs/content.md` has the same
/// rules as a table.
///
/// ```
/// use rizk_core::content::{ContentKind, ContentPolicy, Treatment};
///
/// let production = ContentPolicy { trace_content: false, trace_metadata_only: true, trace_content_hashes: true, ..ContentPolicy::default() };
/// assert_eq!(production.treatment(ContentKind::LlmInput), Treatment::Hash);
///
/// let selective = ContentPolicy { trace_user_inputs: Some(false), ..ContentPolicy::default() };
/// assert_eq!(selective.treatment(ContentKind::UserInput), Treatment::Omit);
/// assert_eq!(selective.treatment(ContentKind::LlmOutput), Treatment::Redact);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentPolicy {
    /// Content in general (`trace_content`).
    pub trace_content: bool,
    /// Prompts; `None` follows `trace_content`.
    pub trace_llm_inputs: Option<bool>,
    /// Completions; `None` follows `trace_content`.
    pub trace_llm_outputs: Option<bool>,
    /// User inputs; `None` follows `trace_content`.
    pub trace_user_inputs: Option<bool>,
    /// System prompts; `None` follows the prompts' setting.
    pub trace_system_prompts: Option<bool>,
    /// No content at all.
    pub trace_metadata_only: bool,
    /// Hash what may not be recorded instead of leaving it out.
    pub trace_content_hashes: bool,
    /// Redact what is recorded.
    pub content_redaction_enabled: bool,
}

impl Default for ContentPolicy {
    fn default() -> Self {
        ContentPolicy {
            trace_content: true,
            trace_llm_inputs: None,
            trace_llm_outputs: None,
            trace_user_inputs: None,
            trace_system_prompts: None,
            trace_metadata_only: false,
            trace_content_hashes: false,
            content_redaction_enabled: true,
        }
    }
}

impl ContentPolicy {
    /// The policy a configuration describes; `redactor_installed` decides the default of
    /// `content_redaction_enabled`.
    ///
    /// ```
    /// use rizk_core::content::ContentPolicy;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_content(false).build_config().unwrap();
    /// let policy = ContentPolicy::from_config(&config, true);
    /// assert!(!policy.trace_content);
    /// assert!(policy.content_redaction_enabled); // a redactor is installed
    /// ```
    pub fn from_config(config: &crate::config::Config, redactor_installed: bool) -> Self {
        let c = &config.content;
        ContentPolicy {
            trace_content: config.trace_content.value,
            trace_llm_inputs: c.trace_llm_inputs.as_ref().map(|s| s.value),
            trace_llm_outputs: c.trace_llm_outputs.as_ref().map(|s| s.value),
            trace_user_inputs: c.trace_user_inputs.as_ref().map(|s| s.value),
            trace_system_prompts: c.trace_system_prompts.as_ref().map(|s| s.value),
            trace_metadata_only: c.trace_metadata_only.value,
            trace_content_hashes: c.trace_content_hashes.value,
            content_redaction_enabled: c
                .content_redaction_enabled
                .as_ref()
                .map_or(redactor_installed, |s| s.value),
        }
    }

    /// Whether content of `kind` may be recorded (before hashing and redaction are considered).
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy};
    ///
    /// let policy = ContentPolicy { trace_content: false, trace_llm_outputs: Some(true), ..ContentPolicy::default() };
    /// assert!(policy.allows(ContentKind::LlmOutput));
    /// assert!(!policy.allows(ContentKind::FunctionInput));
    /// ```
    pub fn allows(&self, kind: ContentKind) -> bool {
        if self.trace_metadata_only {
            return false;
        }
        let general = self.trace_content;
        match kind {
            ContentKind::FunctionInput
            | ContentKind::FunctionOutput
            | ContentKind::ErrorMessage => general,
            // A field or log message of another crate may hold any kind of content (rig's trace
            // events repeat whole requests, system prompt included): recorded only while no
            // kind is turned off.
            ContentKind::TracingField => {
                general
                    && [
                        self.trace_user_inputs,
                        self.trace_llm_inputs,
                        self.trace_llm_outputs,
                        self.trace_system_prompts,
                    ]
                    .iter()
                    .all(|flag| *flag != Some(false))
            }
            ContentKind::UserInput => self.trace_user_inputs.unwrap_or(general),
            ContentKind::LlmInput => self.trace_llm_inputs.unwrap_or(general),
            ContentKind::LlmOutput => self.trace_llm_outputs.unwrap_or(general),
            ContentKind::SystemPrompt => self
                .trace_system_prompts
                .unwrap_or(self.trace_llm_inputs.unwrap_or(general)),
            ContentKind::Conversation => {
                self.allows(ContentKind::LlmInput)
                    && self.allows(ContentKind::SystemPrompt)
                    && self.allows(ContentKind::UserInput)
            }
        }
    }

    /// What happens to content of `kind`: the one function the flags combine in.
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy, Treatment};
    ///
    /// let policy = ContentPolicy { trace_content: false, trace_content_hashes: true, ..ContentPolicy::default() };
    /// assert_eq!(policy.treatment(ContentKind::UserInput), Treatment::Hash);
    /// assert_eq!(ContentPolicy::default().treatment(ContentKind::UserInput), Treatment::Redact);
    /// ```
    pub fn treatment(&self, kind: ContentKind) -> Treatment {
        match (
            self.allows(kind),
            self.content_redaction_enabled,
            self.trace_content_hashes,
        ) {
            (true, true, _) => Treatment::Redact,
            (true, false, _) => Treatment::Record,
            (false, _, true) => Treatment::Hash,
            (false, _, false) => Treatment::Omit,
        }
    }

    /// Packs the policy into bits, so the runtime can swap it with one atomic store.
    pub(crate) fn to_bits(self) -> u32 {
        let tri = |v: Option<bool>| match v {
            None => 0u32,
            Some(false) => 1,
            Some(true) => 2,
        };
        u32::from(self.trace_content)
            | tri(self.trace_llm_inputs) << 1
            | tri(self.trace_llm_outputs) << 3
            | tri(self.trace_user_inputs) << 5
            | tri(self.trace_system_prompts) << 7
            | u32::from(self.trace_metadata_only) << 9
            | u32::from(self.trace_content_hashes) << 10
            | u32::from(self.content_redaction_enabled) << 11
    }

    pub(crate) fn from_bits(bits: u32) -> Self {
        let tri = |shift: u32| match (bits >> shift) & 3 {
            1 => Some(false),
            2 => Some(true),
            _ => None,
        };
        ContentPolicy {
            trace_content: bits & 1 != 0,
            trace_llm_inputs: tri(1),
            trace_llm_outputs: tri(3),
            trace_user_inputs: tri(5),
            trace_system_prompts: tri(7),
            trace_metadata_only: bits >> 9 & 1 != 0,
            trace_content_hashes: bits >> 10 & 1 != 0,
            content_redaction_enabled: bits >> 11 & 1 != 0,
        }
    }
}

/// `sha256:<hex>` of `text`: equal content gives equal digests, and the digest gives nothing
/// of the text away.
///
/// ```
/// assert_eq!(
///     rizk_core::content::content_hash("hello"),
///     "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
/// );
/// ```
pub fn content_hash(text: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(text.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_survive_packing() {
        let policies = [
            ContentPolicy::default(),
            ContentPolicy {
                trace_content: false,
                trace_llm_outputs: Some(true),
                trace_system_prompts: Some(false),
                trace_content_hashes: true,
                content_redaction_enabled: false,
                ..ContentPolicy::default()
            },
            ContentPolicy {
                trace_metadata_only: true,
                trace_user_inputs: Some(true),
                ..ContentPolicy::default()
            },
        ];
        for p in policies {
            assert_eq!(ContentPolicy::from_bits(p.to_bits()), p);
        }
    }

    #[test]
    fn metadata_only_wins_and_hashes_replace_omission() {
        let p = ContentPolicy {
            trace_metadata_only: true,
            trace_llm_inputs: Some(true),
            ..ContentPolicy::default()
        };
        assert_eq!(p.treatment(ContentKind::LlmInput), Treatment::Omit);
        let p = ContentPolicy {
            trace_content_hashes: true,
            ..p
        };
        assert_eq!(p.treatment(ContentKind::LlmInput), Treatment::Hash);
    }

    #[test]
    fn system_prompts_follow_prompts_unless_set() {
        let p = ContentPolicy {
            trace_llm_inputs: Some(false),
            content_redaction_enabled: false,
            ..ContentPolicy::default()
        };
        assert_eq!(p.treatment(ContentKind::SystemPrompt), Treatment::Omit);
        let p = ContentPolicy {
            trace_system_prompts: Some(true),
            ..p
        };
        assert_eq!(p.treatment(ContentKind::SystemPrompt), Treatment::Record);
        assert_eq!(p.treatment(ContentKind::FunctionInput), Treatment::Record);
    }

    #[test]
    fn a_conversation_needs_every_kind_it_holds() {
        let p = ContentPolicy {
            content_redaction_enabled: false,
            ..ContentPolicy::default()
        };
        assert_eq!(p.treatment(ContentKind::Conversation), Treatment::Record);
        for off in [
            ContentPolicy {
                trace_user_inputs: Some(false),
                ..p
            },
            ContentPolicy {
                trace_llm_inputs: Some(false),
                ..p
            },
            ContentPolicy {
                trace_system_prompts: Some(false),
                ..p
            },
        ] {
            assert_eq!(
                off.treatment(ContentKind::Conversation),
                Treatment::Omit,
                "{off:?}"
            );
        }
        let outputs_off = ContentPolicy {
            trace_llm_outputs: Some(false),
            ..p
        };
        assert_eq!(
            outputs_off.treatment(ContentKind::Conversation),
            Treatment::Record
        );
    }

    #[test]
    fn bridged_fields_are_recorded_only_while_no_kind_is_turned_off() {
        let p = ContentPolicy {
            content_redaction_enabled: false,
            ..ContentPolicy::default()
        };
        assert_eq!(p.treatment(ContentKind::TracingField), Treatment::Record);
        for off in [
            ContentPolicy {
                trace_user_inputs: Some(false),
                ..p
            },
            ContentPolicy {
                trace_llm_inputs: Some(false),
                ..p
            },
            ContentPolicy {
                trace_llm_outputs: Some(false),
                ..p
            },
            ContentPolicy {
                trace_system_prompts: Some(false),
                ..p
            },
        ] {
            assert_eq!(
                off.treatment(ContentKind::TracingField),
                Treatment::Omit,
                "{off:?}"
            );
        }
        let hashed = ContentPolicy {
            trace_llm_outputs: Some(false),
            trace_content_hashes: true,
            ..p
        };
        assert_eq!(hashed.treatment(ContentKind::TracingField), Treatment::Hash);
    }

    #[test]
    fn error_messages_and_bridged_fields_follow_trace_content() {
        for kind in [ContentKind::ErrorMessage, ContentKind::TracingField] {
            let p = ContentPolicy {
                content_redaction_enabled: false,
                ..ContentPolicy::default()
            };
            assert_eq!(p.treatment(kind), Treatment::Record);
            let off = ContentPolicy {
                trace_content: false,
                ..p
            };
            assert_eq!(off.treatment(kind), Treatment::Omit);
            let everything = ContentPolicy {
                trace_user_inputs: Some(true),
                trace_llm_inputs: Some(true),
                ..p
            };
            assert_eq!(everything.treatment(kind), Treatment::Record);
            let metadata = ContentPolicy {
                trace_metadata_only: true,
                trace_content_hashes: true,
                ..p
            };
            assert_eq!(metadata.treatment(kind), Treatment::Hash);
        }
    }
}
