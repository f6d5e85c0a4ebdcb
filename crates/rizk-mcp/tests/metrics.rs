//! `mcp.client.operation.duration` and `mcp.server.operation.duration` are recorded through
//! rizk's meter provider, with the method, the tool and, on failure, `error.type`.

#![allow(clippy::unwrap_used, unreachable_pub)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{echo, pipe};
use opentelemetry::KeyValue;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use rizk_core::RizkBuilder;
use rmcp::model::CallToolRequestParams;

/// One histogram data point: the metric's name, its attributes and its count.
type Point = (String, Vec<KeyValue>, u64);

/// A metric exporter that keeps the histogram points it is given.
#[derive(Debug, Clone, Default)]
struct Points(Arc<Mutex<Vec<Point>>>);

impl PushMetricExporter for Points {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let mut points = self.0.lock().unwrap();
        for scope in metrics.scope_metrics() {
            for metric in scope.metrics() {
                if let AggregatedMetrics::F64(MetricData::Histogram(histogram)) = metric.data() {
                    for point in histogram.data_points() {
                        points.push((
                            metric.name().to_owned(),
                            point.attributes().cloned().collect(),
                            point.count(),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

fn has(attributes: &[KeyValue], key: &str, value: &str) -> bool {
    attributes
        .iter()
        .any(|kv| kv.key.as_str() == key && kv.value.as_str() == value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_and_server_durations_are_recorded() {
    let points = Points::default();
    let reader = points.clone();
    let handle = RizkBuilder::new()
        .app_name("rizk-mcp-metrics")
        .console_exporter(false)
        .ignore_environment()
        .meter_factory(Box::new(move |_config, setup| {
            setup.add_periodic("memory", reader, Duration::from_secs(3600));
            Ok(())
        }))
        .init()
        .unwrap();
    let (client, peer) = pipe().await;
    peer.call_tool(echo("metrics")).await.unwrap();
    peer.call_tool(CallToolRequestParams::new("fail"))
        .await
        .unwrap();
    client.cancel().await.unwrap();
    // Shutting down flushes the periodic reader.
    handle.shutdown();

    let points = points.0.lock().unwrap().clone();
    for name in [
        "mcp.client.operation.duration",
        "mcp.server.operation.duration",
    ] {
        let ok = points
            .iter()
            .find(|(n, a, _)| n == name && has(a, "gen_ai.tool.name", "echo"))
            .unwrap_or_else(|| panic!("no {name} point for echo in {points:?}"));
        assert!(has(&ok.1, "mcp.method.name", "tools/call"));
        assert!(has(&ok.1, "network.transport", "pipe"));
        assert!(!ok.1.iter().any(|kv| kv.key.as_str() == "error.type"));
        assert_eq!(ok.2, 1);
        let failed = points
            .iter()
            .find(|(n, a, _)| n == name && has(a, "gen_ai.tool.name", "fail"))
            .unwrap();
        assert!(has(&failed.1, "error.type", "tool_error"));
    }
}
