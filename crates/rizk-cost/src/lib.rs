//! What an LLM call cost, for [rizk](https://docs.rs/rizk): the facade's `cost` feature (on by
//! default).
//!
//! - Every LLM span (a span with token counts, in the GenAI or OpenInference keys) gets its
//!   cost in USD: `llm.cost.prompt`, `llm.cost.completion`, `llm.cost.total` (OpenInference)
//!   and `rizk.cost.usd`. Cached input tokens are priced at the cache's price; reasoning tokens
//!   are output tokens, as providers bill them. Streams included: their usage arrives with the
//!   last chunk, before the span ends.
//! - Every ancestor (workflow, agent, task) carries the totals of its subtree:
//!   `rizk.usage.llm_calls`, `rizk.usage.input_tokens`, `rizk.usage.output_tokens`, the cached
//!   and reasoning tokens, and `rizk.cost.usd`. Children end before their parents, so this is
//!   computed in process as spans end, on rizk's export thread, without waiting.
//! - Prices: yours first ([`CostBuilderExt::model_price`], a JSON file in `RIZK_PRICES_FILE`),
//!   then the data bundled in the `genai-prices` crate ([`PRICE_DATA`]; it never fetches
//!   anything). A model with no known price gets no cost, never a guess: it is counted
//!   ([`unpriced_calls`]) and named once in a debug note.
//!
//! ```
//! use rizk_core::RizkBuilder;
//! use rizk_cost::{CostBuilderExt as _, ModelPrice};
//!
//! let config = rizk_cost::register(RizkBuilder::new())
//!     .app_name("support-bot")
//!     .model_price("ft:gpt-4o-mini:acme", ModelPrice::new(0.30, 1.20))
//!     .ignore_environment()
//!     .build_config()
//!     .unwrap();
//! assert!(rizk_cost::options(&config).unwrap().enabled.value);
//! ```
//!
//! See `docs/cost.md`.

mod options;
mod prices;
mod stage;

use std::sync::Arc;

use rizk_core::RizkBuilder;
use rizk_core::config::Config;
use rizk_core::content::SpanTransform;
use rizk_core::meter::MeterSetup;

pub use options::{CostBuilderExt, CostOptions};
pub use prices::{Cost, ModelPrice, Pricer, TokenUsage};
pub use stage::unpriced_calls;

/// The price data bundled: the `genai-prices` crate's release (its `data/prices.json`, MIT,
/// from github.com/pydantic/genai-prices; tier and batch rates verified there in October
/// 2026).
///
/// ```
/// assert!(rizk_cost::PRICE_DATA.starts_with("0.2"));
/// ```
pub const PRICE_DATA: &str = "0.2.1";

/// Makes `builder` price LLM calls: adds the cost options (`cost_enabled`, `model_price`,
/// `prices_file` and their variables) and the export stage that writes costs and totals.
/// `rizk::Rizk::builder()` calls it when the `cost` feature is on.
///
/// ```
/// let config = rizk_cost::register(rizk_core::RizkBuilder::new()).app_name("svc")
///     .ignore_environment().build_config().unwrap();
/// assert!(rizk_cost::options(&config).is_some());
/// ```
pub fn register(builder: RizkBuilder) -> RizkBuilder {
    builder
        .register_options::<options::CostInput>()
        .enricher_factory(Box::new(|config: &Config| {
            Ok(options(config).filter(|o| o.enabled.value).map(|o| {
                Arc::new(stage::CostTransform::new(Pricer::new(o.prices.clone())))
                    as Arc<dyn SpanTransform>
            }))
        }))
        // `rizk.cost.usd`: priced where the call is recorded, so it counts every call,
        // sampled or not.
        .meter_factory(Box::new(|config: &Config, setup: &mut MeterSetup| {
            if let Some(o) = options(config).filter(|o| o.enabled.value) {
                let pricer = Pricer::new(o.prices.clone());
                Pricer::warm_up();
                setup.set_cost_estimator(Arc::new(move |provider, models, usage| {
                    pricer
                        .cost_of_any(provider, models, usage, None)
                        .map(|c| c.total)
                }));
            }
            Ok(())
        }))
}

/// The validated cost options of `config`, when [`register`] (or a [`CostBuilderExt`] setter)
/// added them.
///
/// ```
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .build_config().unwrap();
/// assert!(rizk_cost::options(&config).is_none());
/// ```
pub fn options(config: &Config) -> Option<&CostOptions> {
    config.group::<CostOptions>()
}
