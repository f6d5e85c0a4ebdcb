//! One pipeline per test binary (see `rizk::testing`), with the bridge as the global `tracing`
//! subscriber (`rizk_test_support::tracing_bridge`); tests tell their spans apart by trace.

#![allow(dead_code, unreachable_pub, unused_imports)]

pub use rizk::testing::*;

/// Installs the test pipeline and the bridge once.
pub fn harness() -> &'static Harness {
    rizk_test_support::tracing_bridge::install_harness_with_bridge("rizk-rig-tests", |b| b)
}
