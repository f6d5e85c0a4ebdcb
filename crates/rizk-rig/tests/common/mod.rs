//! One pipeline per test binary (see `rizk::testing`), with the bridge as the global `tracing`
//! subscriber; tests tell their spans apart by trace.

#![allow(dead_code, unreachable_pub, unused_imports)]

use std::sync::Once;

use rizk::RizkBuilder;
pub use rizk::testing::*;
use tracing_subscriber::layer::SubscriberExt;

static BRIDGE: Once = Once::new();

/// Installs the test pipeline and the bridge once, `configure` applied to the builder.
pub fn harness_with(configure: impl FnOnce(RizkBuilder) -> RizkBuilder) -> &'static Harness {
    let harness = install_harness("rizk-rig-tests", configure);
    BRIDGE.call_once(|| {
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(rizk_tracing::layer()),
        )
        .expect("no other subscriber");
    });
    harness
}

pub fn harness() -> &'static Harness {
    harness_with(|b| b)
}
