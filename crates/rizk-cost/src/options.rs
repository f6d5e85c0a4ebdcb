//! The cost options, owned here: the builder setters ([`CostBuilderExt`]), the variables they
//! read, their validation (a price file is read and checked once, when the configuration is
//! validated) and their lines of `get_trace_config()`. [`register`](crate::register) makes
//! them an option group of the builder.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rizk_core::config::{Config, EnvSource, OptionGroup, Setting, Source, Sourced, read};
use rizk_core::{Result, RizkBuilder, RizkError};

use crate::ModelPrice;

/// What the builder was given: the option group [`register`](crate::register) adds.
#[derive(Debug, Clone, Default)]
pub(crate) struct CostInput {
    enabled: Option<bool>,
    prices: Vec<(String, ModelPrice)>,
    prices_file: Option<PathBuf>,
}

impl OptionGroup for CostInput {
    type Resolved = CostOptions;
    const ENV_VARS: &'static [&'static str] = &["RIZK_COST", "RIZK_PRICES_FILE"];

    fn resolve(&self, _core: &Config, env: &dyn EnvSource) -> Result<CostOptions> {
        resolve(self, env)
    }

    fn settings(resolved: &CostOptions) -> Vec<Setting> {
        resolved.settings()
    }
}

/// The validated cost options.
///
/// ```
/// use rizk_cost::{CostBuilderExt as _, ModelPrice};
///
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .model_price("ft:gpt-4o:acme", ModelPrice::new(3.75, 15.0))
///     .build_config().unwrap();
/// let options = rizk_cost::options(&config).unwrap();
/// assert!(options.enabled.value);
/// assert_eq!(options.prices.len(), 1);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CostOptions {
    /// Whether LLM spans get a cost and their ancestors totals. `RIZK_COST`.
    pub enabled: Sourced<bool>,
    /// The user's prices: those of `RIZK_PRICES_FILE` / `prices_file`, then the builder's
    /// (which win for the same model).
    pub prices: Vec<(String, ModelPrice)>,
    /// The price file read, if any.
    pub prices_file: Option<Sourced<PathBuf>>,
}

impl CostOptions {
    /// These options as lines of `get_trace_config()`.
    ///
    /// ```
    /// let config = rizk_cost::register(rizk_core::RizkBuilder::new()).app_name("svc")
    ///     .ignore_environment().build_config().unwrap();
    /// let lines = rizk_cost::options(&config).unwrap().settings();
    /// assert_eq!((lines[0].name, lines[0].value.as_str()), ("cost", "true"));
    /// ```
    pub fn settings(&self) -> Vec<Setting> {
        let source = self
            .prices_file
            .as_ref()
            .map_or(Source::Default, |f| f.source);
        let prices = match (&self.prices_file, self.prices.len()) {
            (_, 0) => format!("bundled (genai-prices {})", crate::PRICE_DATA),
            (Some(file), n) => {
                format!("{n} of yours (with {}), then bundled", file.value.display())
            }
            (None, n) => format!("{n} of yours, then bundled"),
        };
        vec![
            Setting::of("cost", &self.enabled),
            Setting::new("model_prices", prices, source),
        ]
    }
}

/// The cost setters of the builder (`use rizk::prelude::*` brings them in scope).
///
/// ```
/// use rizk_cost::{CostBuilderExt as _, ModelPrice};
///
/// let builder = rizk_cost::register(rizk_core::RizkBuilder::new())
///     .app_name("svc")
///     .model_price("llama-3.1-8b-local", ModelPrice::new(0.0, 0.0));
/// # drop(builder);
/// ```
pub trait CostBuilderExt: Sized {
    /// Turns cost on or off (default on). Replaces `RIZK_COST`.
    ///
    /// ```
    /// use rizk_cost::CostBuilderExt as _;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .cost_enabled(false).build_config().unwrap();
    /// assert!(!rizk_cost::options(&config).unwrap().enabled.value);
    /// ```
    fn cost_enabled(self, enabled: bool) -> Self;

    /// A model's price, which wins over the bundled data and the price file: for fine-tuned,
    /// self-hosted or negotiated models. Matched by name, case-insensitive, with or without a
    /// `provider/` prefix.
    ///
    /// ```
    /// use rizk_cost::{CostBuilderExt as _, ModelPrice};
    ///
    /// let err = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .model_price("mine", ModelPrice::new(-1.0, 0.0)).build_config().unwrap_err();
    /// assert!(err.to_string().contains("input_per_mtok"));
    /// ```
    fn model_price(self, model: impl Into<String>, price: ModelPrice) -> Self;

    /// A JSON file of prices: `{"model": {"input_per_mtok": 0.3, "output_per_mtok": 1.2,
    /// "cache_read_per_mtok": 0.15}}`. Read when the configuration is validated. Replaces
    /// `RIZK_PRICES_FILE`.
    ///
    /// ```
    /// use rizk_cost::CostBuilderExt as _;
    ///
    /// let err = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .prices_file("/no/such/prices.json").build_config().unwrap_err();
    /// assert!(err.to_string().contains("prices_file"));
    /// ```
    fn prices_file(self, path: impl Into<PathBuf>) -> Self;
}

impl CostBuilderExt for RizkBuilder {
    fn cost_enabled(mut self, enabled: bool) -> Self {
        self.options_mut::<CostInput>().enabled = Some(enabled);
        self
    }

    fn model_price(mut self, model: impl Into<String>, price: ModelPrice) -> Self {
        self.options_mut::<CostInput>()
            .prices
            .push((model.into(), price));
        self
    }

    fn prices_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.options_mut::<CostInput>().prices_file = Some(path.into());
        self
    }
}

fn resolve(input: &CostInput, env: &dyn EnvSource) -> Result<CostOptions> {
    let enabled = read::option("cost", input.enabled, env, &["RIZK_COST"], read::boolean)?
        .unwrap_or(Sourced::new(true, Source::Default));
    let prices_file = read::option(
        "prices_file",
        input.prices_file.clone(),
        env,
        &["RIZK_PRICES_FILE"],
        |s| Ok(PathBuf::from(s)),
    )?;

    let mut prices: Vec<(String, ModelPrice)> = Vec::new();
    if let Some(file) = &prices_file {
        prices.extend(read_file(file)?);
    }
    for (model, price) in &input.prices {
        check("model_price", Source::Builder, model, price)?;
        prices.retain(|(name, _)| !name.eq_ignore_ascii_case(model));
        prices.push((model.clone(), *price));
    }
    Ok(CostOptions {
        enabled,
        prices,
        prices_file,
    })
}

fn read_file(file: &Sourced<PathBuf>) -> Result<Vec<(String, ModelPrice)>> {
    let path = &file.value;
    let invalid = |problem: String, fix: &str| {
        RizkError::invalid("prices_file", file.source, problem, fix.to_owned())
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid(
            format!("{} cannot be read: {e}", path.display()),
            "give the path of a readable JSON file, or leave prices_file unset",
        )
    })?;
    let table: BTreeMap<String, ModelPrice> = serde_json::from_str(&text).map_err(|e| {
        invalid(
            format!("{} is not a price table: {e}", path.display()),
            "write {\"model\": {\"input_per_mtok\": 0.3, \"output_per_mtok\": 1.2}} (USD per million tokens; cache_read_per_mtok and cache_write_per_mtok optional)",
        )
    })?;
    let mut out = Vec::with_capacity(table.len());
    for (model, price) in table {
        check("prices_file", file.source, &model, &price)?;
        out.push((model, price));
    }
    Ok(out)
}

fn check(field: &str, source: Source, model: &str, price: &ModelPrice) -> Result<()> {
    if model.trim().is_empty() {
        return Err(RizkError::invalid(
            field,
            source,
            "a model name is empty",
            "name the model as your spans report it, such as ft:gpt-4o-mini:acme",
        ));
    }
    if let Some(name) = price.invalid_field() {
        return Err(RizkError::invalid(
            field,
            source,
            format!("{name} of {model:?} is negative or not a number"),
            "give prices in USD per million tokens, 0 or more",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_with(input: CostInput, vars: &[(&str, &str)]) -> Result<CostOptions> {
        let env: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        resolve(&input, &env)
    }

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("rizk-cost-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_file_is_read_and_the_builder_wins_for_the_same_model() {
        let path = temp_file(
            "prices.json",
            r#"{"Mine": {"input_per_mtok": 1, "output_per_mtok": 2}, "other": {"input_per_mtok": 0, "output_per_mtok": 0, "cache_read_per_mtok": 0}}"#,
        );
        let input = CostInput {
            prices: vec![("mine".into(), ModelPrice::new(5.0, 6.0))],
            ..CostInput::default()
        };
        let o = resolve_with(input, &[("RIZK_PRICES_FILE", path.to_str().unwrap())]).unwrap();
        assert_eq!(o.prices.len(), 2);
        assert_eq!(o.prices[1], ("mine".to_owned(), ModelPrice::new(5.0, 6.0)));
        assert_eq!(
            o.prices_file.unwrap().source,
            Source::Env("RIZK_PRICES_FILE")
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn bad_files_are_refused_naming_the_option_and_the_fix() {
        let path = temp_file("bad.json", r#"{"m": {"input": 1}}"#);
        let err = resolve_with(
            CostInput::default(),
            &[("RIZK_PRICES_FILE", path.to_str().unwrap())],
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("prices_file") && msg.contains("input_per_mtok"),
            "{msg}"
        );
        let negative = temp_file(
            "negative.json",
            r#"{"m": {"input_per_mtok": -1, "output_per_mtok": 1}}"#,
        );
        let err = resolve_with(
            CostInput::default(),
            &[("RIZK_PRICES_FILE", negative.to_str().unwrap())],
        )
        .unwrap_err();
        assert!(err.to_string().contains("negative"), "{err}");
        let err = resolve_with(CostInput::default(), &[("RIZK_COST", "maybe")]).unwrap_err();
        assert!(err.to_string().contains("cost"), "{err}");
        let _ = std::fs::remove_file(path);
        let _ = std::fs::remove_file(negative);
    }
}
