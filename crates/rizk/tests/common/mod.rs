//! One pipeline per test binary (see `rizk::testing`); tests tell their spans apart by trace.

#![allow(dead_code, unreachable_pub, unused_imports)]

use rizk::RizkBuilder;
pub use rizk::testing::*;

/// Installs the test pipeline once, `configure` applied to the builder.
pub fn harness_with(configure: impl FnOnce(RizkBuilder) -> RizkBuilder) -> &'static Harness {
    install_harness("rizk-tests", configure)
}

pub fn harness() -> &'static Harness {
    harness_with(|b| b)
}
