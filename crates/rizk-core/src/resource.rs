//! `#[track_resource_usage]`: memory, CPU and I/O of a call, recorded on its span.
//!
//! Figures are process-wide (Linux `/proc/self`): what the whole process used between the
//! start and the end of the call, so concurrent work on other threads is included. Network
//! bytes are not available per process on Linux (the kernel counts them per interface);
//! `rizk.resource.io.read_chars` / `write_chars` include socket traffic. Elsewhere the span gets
//! `rizk.resource.unavailable` with the reason.

use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue};

/// Attribute keys written by [`ResourceUsage`].
///
/// ```
/// use opentelemetry::trace::Tracer;
/// use rizk_core::resource::{ResourceUsage, keys};
/// # let spans = rizk_core::export::InMemoryExporter::default();
/// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
/// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
///
/// rizk_core::get_tracer("doc").in_span("work", |_cx| drop(ResourceUsage::start()));
/// rizk.flush().unwrap();
/// let span = spans.find("work").unwrap();
/// let has = |key: &str| span.attributes.iter().any(|kv| kv.key.as_str() == key);
/// assert!(has(keys::RSS_BYTES) || has(keys::UNAVAILABLE)); // Linux, or the reason why not
/// ```
pub mod keys {
    /// Resident memory at the end of the call, in bytes.
    pub const RSS_BYTES: &str = "rizk.resource.memory.rss_bytes";
    /// Change of resident memory over the call, in bytes (negative when it shrank).
    pub const RSS_DELTA_BYTES: &str = "rizk.resource.memory.rss_delta_bytes";
    /// CPU time in user mode over the call, in milliseconds.
    pub const CPU_USER_MS: &str = "rizk.resource.cpu.user_ms";
    /// CPU time in kernel mode over the call, in milliseconds.
    pub const CPU_SYSTEM_MS: &str = "rizk.resource.cpu.system_ms";
    /// Bytes read from storage over the call.
    pub const IO_READ_BYTES: &str = "rizk.resource.io.read_bytes";
    /// Bytes written to storage over the call.
    pub const IO_WRITE_BYTES: &str = "rizk.resource.io.write_bytes";
    /// Bytes read through any file descriptor (files, pipes, sockets) over the call.
    pub const IO_READ_CHARS: &str = "rizk.resource.io.read_chars";
    /// Bytes written through any file descriptor over the call.
    pub const IO_WRITE_CHARS: &str = "rizk.resource.io.write_chars";
    /// Why some or all figures are missing.
    pub const UNAVAILABLE: &str = "rizk.resource.unavailable";
}

/// Linux reports CPU time in clock ticks of 1/100 s (`USER_HZ`, fixed at 100 for user space).
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Snapshot {
    rss_bytes: Option<i64>,
    user_ticks: Option<u64>,
    system_ticks: Option<u64>,
    read_bytes: Option<u64>,
    write_bytes: Option<u64>,
    read_chars: Option<u64>,
    write_chars: Option<u64>,
}

impl Snapshot {
    fn take() -> Snapshot {
        let mut snap = Snapshot::default();
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            snap.rss_bytes = field(&status, "VmRSS:").map(|kb| kb as i64 * 1024);
        }
        if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
            // Fields after the command name (which may contain spaces) start at ") ".
            let after = stat.rsplit_once(") ").map(|(_, rest)| rest).unwrap_or("");
            let fields: Vec<&str> = after.split_whitespace().collect();
            // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after ") ".
            snap.user_ticks = fields.get(11).and_then(|v| v.parse().ok());
            snap.system_ticks = fields.get(12).and_then(|v| v.parse().ok());
        }
        if let Ok(io) = std::fs::read_to_string("/proc/self/io") {
            snap.read_bytes = field(&io, "read_bytes:");
            snap.write_bytes = field(&io, "write_bytes:");
            snap.read_chars = field(&io, "rchar:");
            snap.write_chars = field(&io, "wchar:");
        }
        snap
    }
}

/// The first number after `label` on its line.
fn field(text: &str, label: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Measures a call and records the figures on the span current when it is dropped. Created by
/// `#[track_resource_usage]`; reads nothing when the current span is not recording.
///
/// ```
/// let usage = rizk_core::ResourceUsage::start();
/// let data: Vec<u8> = vec![1; 1 << 20];
/// drop(usage); // records on the current span (none here, so nothing is read)
/// # drop(data);
/// ```
#[derive(Debug)]
#[must_use = "the usage is recorded when this value is dropped"]
pub struct ResourceUsage {
    start: Option<Snapshot>,
}

impl ResourceUsage {
    /// Takes the starting figures, if the current span is recording.
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// use rizk_core::ResourceUsage;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("import", |_cx| {
    ///     let _usage = ResourceUsage::start(); // recorded on "import" when dropped
    ///     let _data: Vec<u8> = vec![1; 1 << 20];
    /// });
    /// rizk.flush().unwrap();
    /// let span = spans.find("import").unwrap();
    /// assert!(span.attributes.iter().any(|kv| kv.key.as_str().starts_with("rizk.resource.")));
    /// ```
    pub fn start() -> ResourceUsage {
        let recording = Context::map_current(|cx| cx.span().is_recording());
        ResourceUsage {
            start: recording.then(Snapshot::take),
        }
    }

    fn attributes(start: &Snapshot, end: &Snapshot) -> Vec<KeyValue> {
        let mut attrs = Vec::with_capacity(9);
        let delta = |a: Option<u64>, b: Option<u64>| Some(b?.saturating_sub(a?) as i64);
        if let Some(rss) = end.rss_bytes {
            attrs.push(KeyValue::new(keys::RSS_BYTES, rss));
            if let Some(before) = start.rss_bytes {
                attrs.push(KeyValue::new(keys::RSS_DELTA_BYTES, rss - before));
            }
        }
        let ms = |ticks: i64| ticks as f64 * 1000.0 / TICKS_PER_SECOND;
        if let Some(user) = delta(start.user_ticks, end.user_ticks) {
            attrs.push(KeyValue::new(keys::CPU_USER_MS, ms(user)));
        }
        if let Some(system) = delta(start.system_ticks, end.system_ticks) {
            attrs.push(KeyValue::new(keys::CPU_SYSTEM_MS, ms(system)));
        }
        for (key, a, b) in [
            (keys::IO_READ_BYTES, start.read_bytes, end.read_bytes),
            (keys::IO_WRITE_BYTES, start.write_bytes, end.write_bytes),
            (keys::IO_READ_CHARS, start.read_chars, end.read_chars),
            (keys::IO_WRITE_CHARS, start.write_chars, end.write_chars),
        ] {
            if let Some(d) = delta(a, b) {
                attrs.push(KeyValue::new(key, d));
            }
        }
        let mut missing = Vec::new();
        if end.rss_bytes.is_none() {
            missing.push("memory");
        }
        if end.user_ticks.is_none() {
            missing.push("cpu");
        }
        if end.read_bytes.is_none() {
            missing.push("io");
        }
        let reason = if missing.is_empty() {
            "network: not counted per process (socket bytes are in io.*_chars)".to_owned()
        } else {
            format!(
                "{}, network: resource figures are read from /proc/self (Linux only)",
                missing.join(", ")
            )
        };
        attrs.push(KeyValue::new(keys::UNAVAILABLE, reason));
        attrs
    }
}

impl Drop for ResourceUsage {
    fn drop(&mut self) {
        let Some(start) = self.start.take() else {
            return;
        };
        let end = Snapshot::take();
        let attrs = Self::attributes(&start, &end);
        Context::map_current(|cx| cx.span().set_attributes(attrs));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_fields_are_parsed() {
        assert_eq!(field("Name:\tx\nVmRSS:\t  2048 kB\n", "VmRSS:"), Some(2048));
        assert_eq!(field("rchar: 10\nwchar: 20\n", "wchar:"), Some(20));
        assert_eq!(field("nothing", "VmRSS:"), None);
    }

    #[test]
    fn deltas_and_the_unavailable_note_are_recorded() {
        let start = Snapshot {
            rss_bytes: Some(1000),
            user_ticks: Some(10),
            system_ticks: Some(1),
            read_bytes: Some(0),
            write_bytes: Some(0),
            read_chars: Some(5),
            write_chars: Some(5),
        };
        let end = Snapshot {
            rss_bytes: Some(4000),
            user_ticks: Some(12),
            system_ticks: Some(1),
            read_bytes: Some(0),
            write_bytes: Some(4096),
            read_chars: Some(15),
            write_chars: Some(5),
        };
        let attrs = ResourceUsage::attributes(&start, &end);
        let get = |k: &str| {
            attrs
                .iter()
                .find(|kv| kv.key.as_str() == k)
                .map(|kv| kv.value.to_string())
        };
        assert_eq!(get(keys::RSS_DELTA_BYTES).as_deref(), Some("3000"));
        assert_eq!(get(keys::CPU_USER_MS).as_deref(), Some("20"));
        assert_eq!(get(keys::IO_WRITE_BYTES).as_deref(), Some("4096"));
        assert_eq!(get(keys::IO_READ_CHARS).as_deref(), Some("10"));
        assert!(get(keys::UNAVAILABLE).unwrap().starts_with("network"));
    }

    #[test]
    fn missing_figures_are_named() {
        let attrs = ResourceUsage::attributes(&Snapshot::default(), &Snapshot::default());
        let note = attrs
            .iter()
            .find(|kv| kv.key.as_str() == keys::UNAVAILABLE)
            .unwrap();
        assert!(note.value.to_string().starts_with("memory, cpu, io"));
    }
}
