//! rizk's test pipeline ([`rizk::testing`]) with the tracing bridge ([`rizk_tracing::layer`])
//! as the global `tracing` subscriber, for tests of crates whose spans come through `tracing`.
//! One pipeline per test binary; tests tell their spans apart by trace.
//!
//! ```
//! use rizk_test_support::tracing_bridge::install_harness_with_bridge;
//!
//! let harness = install_harness_with_bridge("my-tests", |b| b);
//! tracing::info_span!("db.query").in_scope(|| {});
//! assert_eq!(harness.trace_of("db.query").len(), 1);
//! ```

use std::sync::Once;

use rizk::RizkBuilder;
use rizk::testing::Harness;
use tracing_subscriber::layer::SubscriberExt as _;

static BRIDGE: Once = Once::new();

/// Installs the test pipeline once for this process, `app_name` and `configure` applied to the
/// builder as in [`rizk::testing::install_harness`], and the bridge as the global `tracing`
/// subscriber; later calls return the same harness and ignore their arguments.
///
/// # Panics
///
/// When the pipeline does not initialise, or another global `tracing` subscriber is set.
///
/// ```
/// use rizk_test_support::tracing_bridge::install_harness_with_bridge;
///
/// let harness = install_harness_with_bridge("my-tests", |b| b);
/// assert!(std::ptr::eq(harness, install_harness_with_bridge("ignored", |b| b)));
/// ```
pub fn install_harness_with_bridge(
    app_name: &str,
    configure: impl FnOnce(RizkBuilder) -> RizkBuilder,
) -> &'static Harness {
    let harness = rizk::testing::install_harness(app_name, configure);
    BRIDGE.call_once(|| {
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(rizk_tracing::layer()),
        )
        .expect("no other subscriber");
    });
    harness
}
