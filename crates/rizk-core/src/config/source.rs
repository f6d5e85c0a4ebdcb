//! Where each effective configuration value came from.

use std::fmt;

/// The origin of a configuration value, reported by `get_trace_config()`.
///
/// Precedence, highest first: [`Source::Builder`], then `RIZK_*` variables, then `OTEL_*`
/// variables (both [`Source::Env`]), then [`Source::Default`].
///
/// ```
/// use rizk_core::config::Source;
/// assert_eq!(Source::Env("RIZK_APP_NAME").to_string(), "environment variable RIZK_APP_NAME");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Nobody set it; rizk's default applies.
    Default,
    /// Set in code through the builder.
    Builder,
    /// Read from this environment variable.
    Env(&'static str),
    /// Derived from other settings (for example the console view turned on because no
    /// endpoint is configured).
    Derived,
    /// Changed at run time by `update_config`.
    Runtime,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Builder => f.write_str("builder"),
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::Derived => f.write_str("derived from other settings"),
            Source::Runtime => f.write_str("update_config"),
        }
    }
}

/// A value together with its [`Source`].
///
/// ```
/// use rizk_core::config::{Source, Sourced};
/// let rate = Sourced::new(0.5, Source::Builder);
/// assert_eq!(rate.value, 0.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    /// The effective value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

impl<T> Sourced<T> {
    /// Pairs a value with its source.
    ///
    /// ```
    /// use rizk_core::config::{Source, Sourced};
    ///
    /// let timeout = Sourced::new(30, Source::Env("RIZK_SHUTDOWN_TIMEOUT_MS"));
    /// assert_eq!(timeout.source.to_string(), "environment variable RIZK_SHUTDOWN_TIMEOUT_MS");
    /// ```
    pub fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}

/// One line of `get_trace_config()` ([`crate::TraceConfig`]): an option, its effective value
/// (secrets masked) and its source.
///
/// ```
/// use rizk_core::config::{Setting, Source};
/// let line = Setting { name: "trace_sampling_rate", value: "0.1".into(), source: Source::Builder };
/// assert_eq!(line.source, Source::Builder);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The option's builder name.
    pub name: &'static str,
    /// Its value, secrets masked.
    pub value: String,
    /// Where the value came from.
    pub source: Source,
}

impl Setting {
    /// A line from its parts.
    ///
    /// ```
    /// use rizk_core::config::{Setting, Source};
    /// let line = Setting::new("app_name", "checkout".into(), Source::Builder);
    /// assert_eq!(line.value, "checkout");
    /// ```
    pub fn new(name: &'static str, value: String, source: Source) -> Setting {
        Setting {
            name,
            value,
            source,
        }
    }

    /// A line for a value shown in its `Display` form.
    ///
    /// ```
    /// use rizk_core::config::{Setting, Source, Sourced};
    /// let line = Setting::of("trace_debug", &Sourced::new(true, Source::Default));
    /// assert_eq!(line.value, "true");
    /// ```
    pub fn of<T: fmt::Display>(name: &'static str, value: &Sourced<T>) -> Setting {
        Setting::new(name, value.value.to_string(), value.source)
    }

    /// A line for an option that may be unset: its value shown by `show`, or `absent` (what
    /// applies instead) with [`Source::Default`].
    ///
    /// ```
    /// use rizk_core::config::{Setting, Source, Sourced};
    /// let unset: Option<Sourced<u16>> = None;
    /// let line = Setting::or_absent("jaeger_agent_port", unset.as_ref(), u16::to_string, "6831");
    /// assert_eq!((line.value.as_str(), line.source), ("6831", Source::Default));
    /// ```
    pub fn or_absent<T>(
        name: &'static str,
        value: Option<&Sourced<T>>,
        show: impl FnOnce(&T) -> String,
        absent: &str,
    ) -> Setting {
        match value {
            Some(v) => Setting::new(name, show(&v.value), v.source),
            None => Setting::new(name, absent.to_owned(), Source::Default),
        }
    }
}
