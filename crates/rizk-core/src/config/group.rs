//! Option groups owned by other crates: the settings of an exporter or a propagator live in the
//! crate that uses them, and core only carries them.
//!
//! A crate defines its builder input as an [`OptionGroup`] and registers it with
//! [`RizkBuilder::register_options`](crate::RizkBuilder::register_options) (its builder
//! setters, in an extension trait, reach it with
//! [`RizkBuilder::options_mut`](crate::RizkBuilder::options_mut)). [`resolve`](super::resolve)
//! validates every registered group once, after the core options, so a group can check itself
//! against them; the result is kept in [`Config`] and read with [`Config::group`]. Core names no
//! backend: it only knows that a group has variables, a validation and settings lines.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

use super::{Config, EnvSource, Setting};
use crate::error::Result;

/// A group of options owned by a plug-in crate: what its builder setters collected, the
/// `RIZK_*` variables it reads, and how it becomes validated options.
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::config::{Config, EnvSource, OptionGroup, Setting, Source};
///
/// #[derive(Debug, Clone, Default)]
/// struct Shouting { loud: Option<bool> }
///
/// #[derive(Debug)]
/// struct ShoutingOptions { loud: bool }
///
/// impl OptionGroup for Shouting {
///     type Resolved = ShoutingOptions;
///     const ENV_VARS: &'static [&'static str] = &["RIZK_SHOUT"];
///     fn resolve(&self, _core: &Config, env: &dyn EnvSource) -> rizk_core::Result<ShoutingOptions> {
///         let loud = self.loud.unwrap_or_else(|| env.var("RIZK_SHOUT").is_some());
///         Ok(ShoutingOptions { loud })
///     }
///     fn settings(resolved: &ShoutingOptions) -> Vec<Setting> {
///         vec![Setting::new("shout", resolved.loud.to_string(), Source::Default)]
///     }
/// }
///
/// let mut builder = RizkBuilder::new().app_name("svc").ignore_environment();
/// builder.options_mut::<Shouting>().loud = Some(true);
/// let config = builder.build_config().unwrap();
/// assert!(config.group::<ShoutingOptions>().unwrap().loud);
/// ```
pub trait OptionGroup: Any + Clone + Default + fmt::Debug + Send + Sync {
    /// The validated options, kept in [`Config`].
    type Resolved: Any + fmt::Debug + Send + Sync;

    /// The `RIZK_*` variables the group reads: with the group registered they are known, so
    /// the check for misspelt variables accepts them.
    const ENV_VARS: &'static [&'static str];

    /// Validates the builder's values and the environment, with the resolved core options at
    /// hand for checks that span both. Called once per `build_config` / `init`.
    fn resolve(&self, core: &Config, env: &dyn EnvSource) -> Result<Self::Resolved>;

    /// The group's lines of `get_trace_config()` (secrets masked).
    fn settings(resolved: &Self::Resolved) -> Vec<Setting>;
}

/// A registered group, its type erased so the builder can hold groups of any crate.
trait ErasedGroup: Send + Sync {
    fn env_vars(&self) -> &'static [&'static str];
    fn resolve(&self, core: &Config, env: &dyn EnvSource) -> Result<ResolvedGroup>;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<G: OptionGroup> ErasedGroup for G {
    fn env_vars(&self) -> &'static [&'static str] {
        G::ENV_VARS
    }

    fn resolve(&self, core: &Config, env: &dyn EnvSource) -> Result<ResolvedGroup> {
        let resolved = OptionGroup::resolve(self, core, env)?;
        Ok(ResolvedGroup {
            settings: G::settings(&resolved),
            value: Arc::new(resolved),
        })
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// The groups registered with a builder, in registration order.
#[derive(Default)]
pub(crate) struct Groups(Vec<(TypeId, Box<dyn ErasedGroup>)>);

impl Groups {
    /// The group `G`, registered with its defaults if it was not yet.
    pub(crate) fn get_mut<G: OptionGroup>(&mut self) -> &mut G {
        let id = TypeId::of::<G>();
        let index = match self.0.iter().position(|(t, _)| *t == id) {
            Some(i) => i,
            None => {
                self.0.push((id, Box::new(G::default())));
                self.0.len() - 1
            }
        };
        self.0[index]
            .1
            .as_any_mut()
            .downcast_mut::<G>()
            .expect("a group is stored under its own type id")
    }

    /// Every registered group's variables.
    pub(crate) fn env_vars(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0
            .iter()
            .flat_map(|(_, g)| g.env_vars().iter().copied())
    }

    /// Validates every group against the resolved core options.
    pub(crate) fn resolve(&self, core: &Config, env: &dyn EnvSource) -> Result<ResolvedGroups> {
        let groups = self
            .0
            .iter()
            .map(|(_, g)| g.resolve(core, env))
            .collect::<Result<Vec<_>>>()?;
        Ok(ResolvedGroups(groups))
    }
}

/// One group's validated options and its settings lines.
#[derive(Clone)]
struct ResolvedGroup {
    value: Arc<dyn AnyDebug>,
    settings: Vec<Setting>,
}

/// `Any` that also prints, so [`Config`]'s `Debug` shows the groups.
trait AnyDebug: Any + fmt::Debug + Send + Sync {}
impl<T: Any + fmt::Debug + Send + Sync> AnyDebug for T {}

/// The validated option groups of a [`Config`].
///
/// ```
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .build_config().unwrap();
/// assert!(config.groups.settings().is_empty()); // rizk-core alone registers none
/// ```
#[derive(Clone, Default)]
pub struct ResolvedGroups(Vec<ResolvedGroup>);

impl ResolvedGroups {
    /// The validated options of type `R`, when a group producing them is registered.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .build_config().unwrap();
    /// assert!(config.groups.get::<String>().is_none());
    /// ```
    pub fn get<R: Any>(&self) -> Option<&R> {
        self.0.iter().find_map(|g| {
            let value: &dyn Any = g.value.as_ref();
            value.downcast_ref::<R>()
        })
    }

    /// Every group's lines of `get_trace_config()`, in registration order.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .build_config().unwrap();
    /// assert!(config.groups.settings().is_empty());
    /// ```
    pub fn settings(&self) -> Vec<Setting> {
        self.0.iter().flat_map(|g| g.settings.clone()).collect()
    }
}

impl fmt::Debug for ResolvedGroups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|g| &g.value))
            .finish()
    }
}

impl Config {
    /// The validated options of a plug-in crate's group (see [`OptionGroup`]).
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .build_config().unwrap();
    /// assert!(config.group::<u32>().is_none());
    /// ```
    pub fn group<R: Any>(&self) -> Option<&R> {
        self.groups.get::<R>()
    }
}
