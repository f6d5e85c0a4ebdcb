//! What a call cost: the user's prices first, then genai-prices' bundled data.

use std::time::SystemTime;

use genai_prices::{Calculator, ErrorKind, PriceRequest, UsageKey};
use serde::Deserialize;

/// A model's prices, in USD per million tokens: for fine-tuned, self-hosted or negotiated
/// models, or to replace the bundled price of a known one.
///
/// ```
/// use rizk_cost::ModelPrice;
///
/// let price = ModelPrice::new(0.30, 1.20).with_cache_read(0.15);
/// assert_eq!(price.cache_read_per_mtok, Some(0.15));
/// assert_eq!(price.cache_write_per_mtok, None); // cache writes at the input price
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ModelPrice {
    /// Input tokens (those not read from or written to a cache).
    pub input_per_mtok: f64,
    /// Output tokens (reasoning tokens included, as providers bill them).
    pub output_per_mtok: f64,
    /// Input tokens read from a cache; `None`: the input price.
    #[serde(default)]
    pub cache_read_per_mtok: Option<f64>,
    /// Input tokens written to a cache; `None`: the input price.
    #[serde(default)]
    pub cache_write_per_mtok: Option<f64>,
}

impl ModelPrice {
    /// Input and output prices, in USD per million tokens.
    ///
    /// ```
    /// let price = rizk_cost::ModelPrice::new(3.0, 15.0);
    /// assert_eq!(price.output_per_mtok, 15.0);
    /// ```
    pub fn new(input_per_mtok: f64, output_per_mtok: f64) -> Self {
        ModelPrice {
            input_per_mtok,
            output_per_mtok,
            cache_read_per_mtok: None,
            cache_write_per_mtok: None,
        }
    }

    /// The price of input tokens read from a cache.
    ///
    /// ```
    /// let price = rizk_cost::ModelPrice::new(3.0, 15.0).with_cache_read(0.3);
    /// assert_eq!(price.cache_read_per_mtok, Some(0.3));
    /// ```
    pub fn with_cache_read(mut self, per_mtok: f64) -> Self {
        self.cache_read_per_mtok = Some(per_mtok);
        self
    }

    /// The price of input tokens written to a cache.
    ///
    /// ```
    /// let price = rizk_cost::ModelPrice::new(3.0, 15.0).with_cache_write(3.75);
    /// assert_eq!(price.cache_write_per_mtok, Some(3.75));
    /// ```
    pub fn with_cache_write(mut self, per_mtok: f64) -> Self {
        self.cache_write_per_mtok = Some(per_mtok);
        self
    }

    /// The first price that is negative or not a number, by name.
    pub(crate) fn invalid_field(&self) -> Option<&'static str> {
        let bad = |v: f64| !v.is_finite() || v < 0.0;
        [
            ("input_per_mtok", Some(self.input_per_mtok)),
            ("output_per_mtok", Some(self.output_per_mtok)),
            ("cache_read_per_mtok", self.cache_read_per_mtok),
            ("cache_write_per_mtok", self.cache_write_per_mtok),
        ]
        .into_iter()
        .find_map(|(name, v)| v.filter(|v| bad(*v)).map(|_| name))
    }

    fn cost(&self, usage: &TokenUsage) -> Cost {
        let per = |tokens: u64, price: f64| tokens as f64 * price / 1_000_000.0;
        let uncached = usage
            .input
            .saturating_sub(usage.cache_read)
            .saturating_sub(usage.cache_write);
        let input = per(uncached, self.input_per_mtok)
            + per(
                usage.cache_read,
                self.cache_read_per_mtok.unwrap_or(self.input_per_mtok),
            )
            + per(
                usage.cache_write,
                self.cache_write_per_mtok.unwrap_or(self.input_per_mtok),
            );
        let output = per(usage.output, self.output_per_mtok);
        Cost {
            input,
            output,
            total: input + output,
        }
    }
}

/// The token counts of one LLM call, as the GenAI conventions count them: cache reads and
/// writes are part of `input`, reasoning tokens part of `output`. The same type the metrics
/// record ([`rizk_core::meter::Usage`]).
///
/// ```
/// let usage = rizk_cost::TokenUsage { input: 1200, output: 300, cache_read: 1000, ..Default::default() };
/// assert_eq!(usage.input - usage.cache_read, 200); // billed at the full input price
/// ```
pub use rizk_core::meter::Usage as TokenUsage;

/// What one call cost, in USD.
///
/// ```
/// use rizk_cost::{ModelPrice, Pricer, TokenUsage};
///
/// let pricer = Pricer::new(vec![("my-model".into(), ModelPrice::new(1.0, 2.0))]);
/// let usage = TokenUsage { input: 1_000_000, output: 500_000, ..Default::default() };
/// let cost = pricer.cost(None, "my-model", &usage, None).unwrap();
/// assert_eq!((cost.input, cost.output, cost.total), (1.0, 1.0, 2.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Cost {
    /// The input tokens' cost (cache reads and writes included).
    pub input: f64,
    /// The output tokens' cost.
    pub output: f64,
    /// Their sum.
    pub total: f64,
}

/// Prices LLM calls: the user's prices first (by model name, case-insensitive, with or without
/// a `provider/` prefix), then genai-prices' bundled data (which matches the names users
/// write: provider prefixes, dated versions, aliases). An unknown model has no cost: never a
/// guess.
///
/// ```
/// use rizk_cost::{Pricer, TokenUsage};
///
/// let pricer = Pricer::new(Vec::new());
/// let usage = TokenUsage { input: 1_000_000, output: 1_000_000, ..Default::default() };
/// let cost = pricer.cost(Some("openai"), "gpt-4o-mini-2024-07-18", &usage, None).unwrap();
/// assert!((cost.total - 0.75).abs() < 1e-9); // $0.15 in, $0.60 out per million tokens
/// assert!(pricer.cost(Some("openai"), "no-such-model", &usage, None).is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Pricer {
    /// The user's prices, names lower-cased.
    user: Vec<(String, ModelPrice)>,
}

impl Pricer {
    /// A pricer with the user's prices (which win over the bundled ones).
    ///
    /// ```
    /// let pricer = rizk_cost::Pricer::new(vec![("ft:gpt-4o:acme".into(), rizk_cost::ModelPrice::new(3.75, 15.0))]);
    /// # let _ = pricer;
    /// ```
    pub fn new(user: Vec<(String, ModelPrice)>) -> Self {
        Pricer {
            user: user
                .into_iter()
                .map(|(name, price)| (name.to_ascii_lowercase(), price))
                .collect(),
        }
    }

    /// The cost of a call of `model` (from `provider`, a GenAI `gen_ai.provider.name` such as
    /// `openai` or `aws.bedrock`, when known), at the prices in effect `at` (default: now).
    /// `None` when no price is known.
    ///
    /// ```
    /// use rizk_cost::{Pricer, TokenUsage};
    ///
    /// let usage = TokenUsage { input: 2_000_000, output: 0, cache_read: 1_000_000, ..Default::default() };
    /// let cost = Pricer::new(Vec::new()).cost(Some("openai"), "gpt-4o-mini", &usage, None).unwrap();
    /// assert!((cost.input - (0.15 + 0.075)).abs() < 1e-9); // the cached million at half price
    /// ```
    pub fn cost(
        &self,
        provider: Option<&str>,
        model: &str,
        usage: &TokenUsage,
        at: Option<SystemTime>,
    ) -> Option<Cost> {
        self.cost_of_any(provider, &[model], usage, at)
    }

    /// Decodes the bundled price data (tens of milliseconds, once per process) on a thread of
    /// its own, so that the first LLM call priced (for the `rizk.cost.usd` metric, on rizk's
    /// metrics recording thread) does not wait for it.
    ///
    /// ```
    /// rizk_cost::Pricer::warm_up();
    /// ```
    pub fn warm_up() {
        let _ = std::thread::Builder::new()
            .name("rizk-prices".into())
            .spawn(|| {
                let _ = Calculator::bundled();
            });
    }

    /// The cost under the first of `models` (the names a span gives: the model that answered,
    /// then the one requested) that has a price: the user's prices for every name first, so
    /// that they win over the bundled price of a dated snapshot.
    pub(crate) fn cost_of_any(
        &self,
        provider: Option<&str>,
        models: &[&str],
        usage: &TokenUsage,
        at: Option<SystemTime>,
    ) -> Option<Cost> {
        let user = models.iter().find_map(|model| {
            let lower = model.to_ascii_lowercase();
            let unprefixed = lower.rsplit_once('/').map_or(lower.as_str(), |(_, m)| m);
            self.user
                .iter()
                .find(|(name, _)| *name == lower || name == unprefixed)
                .map(|(_, price)| price.cost(usage))
        });
        user.or_else(|| {
            let provider = provider.and_then(provider_id);
            models
                .iter()
                .find_map(|model| bundled(provider, model, usage, at))
        })
    }
}

/// genai-prices' provider id for a GenAI `gen_ai.provider.name` (or OpenInference
/// `llm.provider`) value.
fn provider_id(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "openai" => "openai",
        "anthropic" => "anthropic",
        "aws.bedrock" | "aws" => "aws",
        "azure.ai.openai" | "azure.ai.inference" | "azure" => "azure",
        "gcp.gemini" | "gcp.vertex_ai" | "gcp.gen_ai" | "google" => "google",
        "mistral_ai" | "mistralai" | "mistral" => "mistral",
        "x_ai" | "xai" => "x-ai",
        "groq" => "groq",
        "deepseek" => "deepseek",
        "perplexity" => "perplexity",
        "cohere" => "cohere",
        _ => return None,
    })
}

fn bundled(
    provider: Option<&'static str>,
    model: &str,
    usage: &TokenUsage,
    at: Option<SystemTime>,
) -> Option<Cost> {
    let mut tokens = genai_prices::Usage::new();
    tokens.insert(UsageKey::INPUT_TOKENS, usage.input as f64);
    tokens.insert(UsageKey::OUTPUT_TOKENS, usage.output as f64);
    if usage.cache_read > 0 {
        tokens.insert(UsageKey::CACHE_READ_TOKENS, usage.cache_read as f64);
    }
    if usage.cache_write > 0 {
        tokens.insert(UsageKey::CACHE_WRITE_TOKENS, usage.cache_write as f64);
    }
    let request = |provider: Option<&'static str>| {
        let mut request = PriceRequest::new(model, &tokens);
        if let Some(provider) = provider {
            request = request.with_provider_id(provider);
        }
        if let Some(at) = at {
            request = request.with_timestamp(at);
        }
        Calculator::bundled().calculate(&request)
    };
    let price = match request(provider) {
        Ok(price) => price,
        // A provider whose data does not list the model (a proxy, a reseller): by name alone.
        Err(e) if provider.is_some() && e.kind() == ErrorKind::ModelNotFound => {
            request(None).ok()?
        }
        Err(_) => return None,
    };
    Some(Cost {
        input: price.input_price,
        output: price.output_price,
        total: price.total_price,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, output: u64) -> TokenUsage {
        TokenUsage {
            input,
            output,
            ..TokenUsage::default()
        }
    }

    #[test]
    fn user_prices_win_and_match_with_or_without_a_provider_prefix() {
        let pricer = Pricer::new(vec![("GPT-4o-mini".into(), ModelPrice::new(1.0, 1.0))]);
        for name in ["gpt-4o-mini", "openai/gpt-4o-mini"] {
            let cost = pricer
                .cost(Some("openai"), name, &usage(1_000_000, 0), None)
                .unwrap();
            assert_eq!(cost.total, 1.0, "{name}");
        }
    }

    #[test]
    fn cached_input_is_billed_at_its_own_price_and_reasoning_is_output() {
        let price = ModelPrice::new(2.0, 8.0)
            .with_cache_read(0.5)
            .with_cache_write(2.5);
        let usage = TokenUsage {
            input: 4_000_000,
            output: 1_000_000,
            cache_read: 2_000_000,
            cache_write: 1_000_000,
            reasoning: 600_000,
        };
        let cost = price.cost(&usage);
        assert_eq!(cost.input, 2.0 + 1.0 + 2.5);
        assert_eq!(cost.output, 8.0, "reasoning is part of the output count");
    }

    #[test]
    fn bundled_prices_know_dated_snapshots_and_cache_reads() {
        let pricer = Pricer::new(Vec::new());
        let plain = pricer
            .cost(Some("openai"), "gpt-4o-mini", &usage(1_000_000, 0), None)
            .unwrap();
        let dated = pricer
            .cost(
                Some("openai"),
                "gpt-4o-mini-2024-07-18",
                &usage(1_000_000, 0),
                None,
            )
            .unwrap();
        assert_eq!(plain, dated);
        let cached = pricer
            .cost(
                Some("openai"),
                "gpt-4o-mini",
                &TokenUsage {
                    cache_read: 1_000_000,
                    ..usage(1_000_000, 0)
                },
                None,
            )
            .unwrap();
        assert!(cached.total < plain.total, "{cached:?} vs {plain:?}");
    }

    #[test]
    fn unknown_models_and_bad_prices() {
        let pricer = Pricer::new(Vec::new());
        assert!(
            pricer
                .cost(Some("openai"), "my-finetune-7", &usage(10, 10), None)
                .is_none()
        );
        assert_eq!(
            ModelPrice::new(f64::NAN, 1.0).invalid_field(),
            Some("input_per_mtok")
        );
        assert_eq!(
            ModelPrice::new(1.0, 1.0)
                .with_cache_read(-1.0)
                .invalid_field(),
            Some("cache_read_per_mtok")
        );
        assert_eq!(ModelPrice::new(0.0, 0.0).invalid_field(), None);
    }
}
