//! What the HTTP-level tests share: a viewer on a free port, and its JSON API read back.

#![allow(dead_code, clippy::unwrap_used)] // each test binary uses a part; a test fails loudly

use rizk_ui::{BackgroundServer, Retention, ServerConfig, Store};
use serde_json::Value;

/// A viewer on 127.0.0.1 and a free port, serving `store`.
pub(crate) fn serve(store: Store, config: ServerConfig) -> BackgroundServer {
    BackgroundServer::start(store, "127.0.0.1:0".parse().unwrap(), config).unwrap()
}

/// A viewer with an in-memory store and the default limits.
pub(crate) fn serve_in_memory() -> BackgroundServer {
    serve(
        Store::in_memory(Retention::default()).unwrap(),
        ServerConfig::default(),
    )
}

/// GET `path` from the viewer; it must succeed and answer JSON.
pub(crate) fn get(server: &BackgroundServer, path: &str) -> Value {
    let r = reqwest::blocking::get(format!("{}{path}", server.url())).unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    serde_json::from_slice(&r.bytes().unwrap()).unwrap()
}
