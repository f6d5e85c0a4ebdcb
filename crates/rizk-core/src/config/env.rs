//! Where environment variables come from: the process, or a map in tests.

use std::collections::BTreeMap;

/// A source of environment variables.
///
/// The process environment is the default; tests and embedders pass a map instead so that
/// configuration can be resolved without touching global state.
///
/// ```
/// use std::collections::BTreeMap;
/// use rizk_core::config::EnvSource;
///
/// let env = BTreeMap::from([("RIZK_APP_NAME".to_owned(), "shop".to_owned())]);
/// assert_eq!(env.var("RIZK_APP_NAME").as_deref(), Some("shop"));
/// ```
pub trait EnvSource {
    /// The value of `name`, if set.
    fn var(&self, name: &str) -> Option<String>;
    /// The names of all variables that start with `prefix`.
    fn names_with_prefix(&self, prefix: &str) -> Vec<String>;
}

/// The environment of this process.
///
/// ```
/// use rizk_core::config::{EnvSource, ProcessEnv};
/// let _maybe = ProcessEnv.var("PATH");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        // A value that is not valid Unicode cannot be meant for us; treat it as unset.
        std::env::var(name).ok()
    }

    fn names_with_prefix(&self, prefix: &str) -> Vec<String> {
        std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .filter(|name| name.starts_with(prefix))
            .collect()
    }
}

impl EnvSource for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }

    fn names_with_prefix(&self, prefix: &str) -> Vec<String> {
        self.keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }
}
