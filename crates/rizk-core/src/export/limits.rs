//! Export-side attribute and payload limits, applied once per span in the export worker:
//!
//! - [`InlineMediaTransform`] (before redaction, so a 1 MB base64 image is never scanned):
//!   inline base64 media in content becomes `[inline image/png, 48213 bytes, sha256:<16 hex>]`;
//! - [`LimitTransform`] (after redaction): the OpenTelemetry attribute value length limit, then
//!   the content cap, which ends a cut value with `…[truncated by rizk: K of N bytes kept]`;
//! - [`fit_to_request`]: the last resort for one span larger than an export request may be.
//!
//! Every scan here is hand-written and linear in the text (rizk-core has no regex dependency
//! and needs none for this grammar); every cut lands on a character boundary.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;
use sha2::{Digest, Sha256};

use crate::config::LimitOptions;
use crate::content::SpanTransform;
use crate::content_transform::content_kind;

/// A bare base64 run shorter than this is left alone: shorter runs are ids, digests and tokens,
/// not media (a 1,024-character run is 768 bytes, smaller than any real image or audio clip).
const BARE_MIN_CHARS: usize = 1024;
/// A bare run must use at least this many of the 64 symbols (random data uses nearly all of
/// them), so that long runs of one letter, hex dumps and the like are not taken for media.
const BARE_MIN_DISTINCT: u32 = 16;
/// Longest `data:` header (media type and parameters) looked at, so a scan stays linear.
const DATA_HEADER_MAX: usize = 200;
/// The marker never takes more than this many bytes (two 20-digit numbers and the words).
const MARKER_MAX: usize = 96;
/// `fit_to_request` does not cut values this short: they are mostly markers already.
const MIN_CUT: usize = 128;
const MARKER_HEAD: &str = "…[truncated by rizk: ";
const MARKER_TAIL: &str = " bytes kept]";

/// Counters of the limit transforms, shared with `get_tracing_metrics()`.
///
/// ```
/// use rizk_core::export::LimitStats;
/// let stats = LimitStats::default();
/// assert_eq!(stats.snapshot().media_replaced, 0);
/// ```
#[derive(Debug, Default)]
pub struct LimitStats {
    media_replaced: AtomicU64,
    truncated_content: AtomicU64,
    truncated_values: AtomicU64,
}

/// A copy of [`LimitStats`].
///
/// ```
/// let snapshot = rizk_core::export::LimitStats::default().snapshot();
/// assert_eq!(snapshot, rizk_core::export::LimitSnapshot::default());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitSnapshot {
    /// Inline media (data URIs, long base64 runs) replaced by a placeholder.
    pub media_replaced: u64,
    /// Content values cut to the content cap (`max_content_length`), with a marker.
    pub truncated_content: u64,
    /// Attribute values cut to the OpenTelemetry value length limit.
    pub truncated_values: u64,
}

impl LimitStats {
    /// Reads every counter.
    ///
    /// ```
    /// let stats = rizk_core::export::LimitStats::default();
    /// assert_eq!(stats.snapshot().truncated_content, 0);
    /// ```
    pub fn snapshot(&self) -> LimitSnapshot {
        LimitSnapshot {
            media_replaced: self.media_replaced.load(Ordering::Relaxed),
            truncated_content: self.truncated_content.load(Ordering::Relaxed),
            truncated_values: self.truncated_values.load(Ordering::Relaxed),
        }
    }

    fn add(counter: &AtomicU64, n: u64) {
        if n > 0 {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    }
}

impl LimitSnapshot {
    /// Adds these counts to the fields of the same name in `metrics`.
    ///
    /// ```
    /// use rizk_core::export::LimitSnapshot;
    /// let mut metrics = rizk_core::TracingMetrics::default();
    /// LimitSnapshot { media_replaced: 2, ..LimitSnapshot::default() }.add_to(&mut metrics);
    /// assert_eq!(metrics.media_replaced, 2);
    /// ```
    pub fn add_to(&self, metrics: &mut crate::TracingMetrics) {
        metrics.media_replaced += self.media_replaced;
        metrics.truncated_content += self.truncated_content;
        metrics.truncated_values += self.truncated_values;
    }
}

/// Replaces inline base64 media in a span's content by a placeholder carrying its media type
/// (when known), decoded size and a short SHA-256: `[inline image/png, 48213 bytes,
/// sha256:3f2a9c0d5e6b7a81]`. Runs before redaction, so redaction never scans the media.
///
/// Media is a `data:<type>;base64,<data>` URI (also inside JSON strings, `\/` escapes
/// included), or a bare run of at least 1,024 base64 characters that looks like binary data
/// (upper- and lower-case letters and digits, many distinct symbols); its type is then read
/// from the data's magic bytes (PNG, JPEG, GIF, WebP, WAV, MP3, OGG, FLAC, MP4, WebM, PDF).
/// Content is every attribute the content policy treats as content, `exception.message`, the
/// status description, and the names and attributes of events.
///
/// ```
/// use std::sync::Arc;
/// use opentelemetry::KeyValue;
/// use rizk_core::content::SpanTransform;
/// use rizk_core::export::{InlineMediaTransform, LimitStats};
/// # fn span_with(attributes: Vec<KeyValue>) -> opentelemetry_sdk::trace::SpanData {
/// #     use opentelemetry::trace::*;
/// #     opentelemetry_sdk::trace::SpanData {
/// #         span_context: SpanContext::new(TraceId::from(1), SpanId::from(1), TraceFlags::SAMPLED, false, TraceState::default()),
/// #         parent_span_id: SpanId::INVALID, parent_span_is_remote: false, span_kind: SpanKind::Internal,
/// #         name: "llm".into(), start_time: std::time::SystemTime::UNIX_EPOCH, end_time: std::time::SystemTime::UNIX_EPOCH,
/// #         attributes, dropped_attributes_count: 0, events: Default::default(), links: Default::default(),
/// #         status: Status::Unset, instrumentation_scope: Default::default(),
/// #     }
/// # }
///
/// let stats = Arc::new(LimitStats::default());
/// let media = InlineMediaTransform::new(stats.clone());
/// let mut span = span_with(vec![KeyValue::new("input.value", "look: data:image/png;base64,iVBORw0KGgo=")]);
/// media.transform(&mut span);
/// let text = span.attributes[0].value.as_str();
/// assert!(text.starts_with("look: [inline image/png, 8 bytes, sha256:"), "{text}");
/// assert_eq!(stats.snapshot().media_replaced, 1);
/// ```
#[derive(Debug)]
pub struct InlineMediaTransform {
    stats: Arc<LimitStats>,
}

impl InlineMediaTransform {
    /// A transform that counts its replacements in `stats`.
    ///
    /// ```
    /// let media = rizk_core::export::InlineMediaTransform::new(Default::default());
    /// # let _ = media;
    /// ```
    pub fn new(stats: Arc<LimitStats>) -> Self {
        InlineMediaTransform { stats }
    }

    /// The transform the options ask for: `None` when `keep_inline_media` is on.
    ///
    /// ```
    /// use rizk_core::export::InlineMediaTransform;
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
    /// assert!(InlineMediaTransform::from_options(&config.limits, Default::default()).is_some());
    /// ```
    pub fn from_options(options: &LimitOptions, stats: Arc<LimitStats>) -> Option<Self> {
        (!options.keep_inline_media.value).then(|| Self::new(stats))
    }
}

impl SpanTransform for InlineMediaTransform {
    fn transform(&self, span: &mut SpanData) {
        let mut replaced = 0u64;
        for_each_content_string(span, |text| {
            let (clean, n) = replace_inline_media(text)?;
            replaced += n;
            Some(clean)
        });
        LimitStats::add(&self.stats.media_replaced, replaced);
    }
}

/// Applies the OpenTelemetry attribute value length limit (every string attribute value of
/// spans, events and links, cut to the limit in characters, no marker, as the specification
/// says), then the content cap: content longer than `max_content_length` bytes is cut at a
/// character boundary and ends with `…[truncated by rizk: 131072 of 300000 bytes kept]`.
/// Runs after redaction, so what is cut was already redacted whole.
///
/// ```
/// use std::sync::Arc;
/// use opentelemetry::KeyValue;
/// use rizk_core::content::SpanTransform;
/// use rizk_core::export::{LimitStats, LimitTransform};
/// # fn span_with(attributes: Vec<KeyValue>) -> opentelemetry_sdk::trace::SpanData {
/// #     use opentelemetry::trace::*;
/// #     opentelemetry_sdk::trace::SpanData {
/// #         span_context: SpanContext::new(TraceId::from(1), SpanId::from(1), TraceFlags::SAMPLED, false, TraceState::default()),
/// #         parent_span_id: SpanId::INVALID, parent_span_is_remote: false, span_kind: SpanKind::Internal,
/// #         name: "llm".into(), start_time: std::time::SystemTime::UNIX_EPOCH, end_time: std::time::SystemTime::UNIX_EPOCH,
/// #         attributes, dropped_attributes_count: 0, events: Default::default(), links: Default::default(),
/// #         status: Status::Unset, instrumentation_scope: Default::default(),
/// #     }
/// # }
///
/// let stats = Arc::new(LimitStats::default());
/// let limits = LimitTransform::new(10, None, stats.clone());
/// let mut span = span_with(vec![KeyValue::new("output.value", "0123456789abcdef")]);
/// limits.transform(&mut span);
/// assert_eq!(span.attributes[0].value.as_str(), "0123456789…[truncated by rizk: 10 of 16 bytes kept]");
/// assert_eq!(stats.snapshot().truncated_content, 1);
/// ```
#[derive(Debug)]
pub struct LimitTransform {
    max_content_length: usize,
    value_length_limit: Option<usize>,
    stats: Arc<LimitStats>,
}

impl LimitTransform {
    /// Content capped at `max_content_length` bytes (`usize::MAX`: no cap) and every string
    /// attribute value at `value_length_limit` characters (`None`: no limit).
    ///
    /// ```
    /// let limits = rizk_core::export::LimitTransform::new(131_072, Some(4096), Default::default());
    /// # let _ = limits;
    /// ```
    pub fn new(
        max_content_length: usize,
        value_length_limit: Option<usize>,
        stats: Arc<LimitStats>,
    ) -> Self {
        LimitTransform {
            max_content_length,
            value_length_limit,
            stats,
        }
    }

    /// The transform the options ask for: `None` when there is neither a cap nor a limit.
    ///
    /// ```
    /// use rizk_core::export::LimitTransform;
    /// let config = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .max_content_length(usize::MAX)
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert!(LimitTransform::from_options(&config.limits, Default::default()).is_none());
    /// ```
    pub fn from_options(options: &LimitOptions, stats: Arc<LimitStats>) -> Option<Self> {
        let cap = options.max_content_length.value;
        let limit = options
            .attribute_value_length_limit
            .as_ref()
            .map(|l| l.value);
        (cap != usize::MAX || limit.is_some()).then(|| Self::new(cap, limit, stats))
    }
}

impl SpanTransform for LimitTransform {
    fn transform(&self, span: &mut SpanData) {
        if let Some(limit) = self.value_length_limit {
            let mut cut = 0u64;
            let mut limit_value = |text: &str| {
                let end = char_limit(text, limit)?;
                cut += 1;
                Some(text[..end].to_owned())
            };
            let events = span.events.events.iter_mut().map(|e| &mut e.attributes);
            let links = span.links.links.iter_mut().map(|l| &mut l.attributes);
            for attributes in std::iter::once(&mut span.attributes)
                .chain(events)
                .chain(links)
            {
                for kv in attributes.iter_mut() {
                    map_value_strings(&mut kv.value, &mut limit_value);
                }
            }
            LimitStats::add(&self.stats.truncated_values, cut);
        }
        let cap = self.max_content_length;
        if cap != usize::MAX {
            let mut cut = 0u64;
            for_each_content_string(span, |text| {
                if text.len() <= cap {
                    return None;
                }
                cut += 1;
                Some(truncate_with_marker(text, cap))
            });
            LimitStats::add(&self.stats.truncated_content, cut);
        }
    }
}

/// Makes one span fit an export request of `max_bytes` (by [`super::size::encoded_len`]): cuts
/// its largest string values (attribute values, event names, the status description), each
/// with the content cap's marker, until it fits. Returns whether it fits; `false` only when
/// what is left is too small to cut (a span of thousands of short attributes).
pub(crate) fn fit_to_request(span: &mut SpanData, max_bytes: usize) -> bool {
    // One plan usually suffices (savings are counted low); the loop only guards the estimate.
    for _ in 0..4 {
        let len = super::size::encoded_len(span);
        if len <= max_bytes {
            return true;
        }
        let mut excess = len - max_bytes;
        // Plan the cuts, largest values first, in one sort rather than one pass per value:
        // `keep[i]` is what the i-th string (in visiting order) keeps.
        let mut lengths = Vec::new();
        for_each_string(span, |text| {
            lengths.push(text.len());
            None
        });
        let mut order: Vec<usize> = (0..lengths.len())
            .filter(|&i| lengths[i] > MIN_CUT)
            .collect();
        if order.is_empty() {
            return false;
        }
        order.sort_unstable_by(|&a, &b| lengths[b].cmp(&lengths[a]));
        let mut keep: Vec<Option<usize>> = vec![None; lengths.len()];
        for i in order {
            // Cut the excess plus room for the marker: one cut is enough when this value can
            // cover what remains; otherwise it shrinks to its marker and the next one is cut.
            let kept = lengths[i].saturating_sub(excess + MARKER_MAX);
            keep[i] = Some(kept);
            let saved = (lengths[i] - kept).saturating_sub(MARKER_MAX);
            if saved >= excess {
                break;
            }
            excess -= saved;
        }
        let mut index = 0;
        for_each_string(span, |text| {
            let planned = keep[index];
            index += 1;
            planned.map(|kept| truncate_with_marker(text, kept))
        });
    }
    super::size::encoded_len(span) <= max_bytes
}

/// `text` cut to at most `keep` bytes at a character boundary, followed by the marker with
/// the original length. A value cut before keeps its first original length.
fn truncate_with_marker(text: &str, keep: usize) -> String {
    let (body, original) = match split_marker(text) {
        Some((body, original)) => (body, original),
        None => (text, text.len()),
    };
    let end = floor_char_boundary(body, keep);
    let mut out = String::with_capacity(end + MARKER_MAX);
    out.push_str(&body[..end]);
    out.push_str(MARKER_HEAD);
    out.push_str(&end.to_string());
    out.push_str(" of ");
    out.push_str(&original.to_string());
    out.push_str(MARKER_TAIL);
    out
}

/// The text before a trailing rizk marker and the original length it records.
fn split_marker(text: &str) -> Option<(&str, usize)> {
    let rest = text.strip_suffix(MARKER_TAIL)?;
    let start = rest.rfind(MARKER_HEAD)?;
    let numbers = &rest[start + MARKER_HEAD.len()..];
    let (_, original) = numbers.split_once(" of ")?;
    Some((&text[..start], original.parse().ok()?))
}

/// The largest char boundary of `text` at or below `index`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    if index >= text.len() {
        return text.len();
    }
    let mut end = index;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// The byte length of the first `limit` characters of `text`, when it has more.
fn char_limit(text: &str, limit: usize) -> Option<usize> {
    if text.len() <= limit {
        return None; // at most as many characters as bytes
    }
    text.char_indices().nth(limit).map(|(end, _)| end)
}

/// Calls `f` on each string of a value (a string, or each string of a string array) and
/// replaces it with what `f` returns.
fn map_value_strings(value: &mut Value, f: &mut impl FnMut(&str) -> Option<String>) {
    match value {
        Value::String(s) => {
            if let Some(new) = f(s.as_str()) {
                *s = StringValue::from(new);
            }
        }
        Value::Array(Array::String(items)) => {
            for item in items.iter_mut() {
                if let Some(new) = f(item.as_str()) {
                    *item = StringValue::from(new);
                }
            }
        }
        _ => {}
    }
}

fn map_cow(text: &mut Cow<'static, str>, f: &mut impl FnMut(&str) -> Option<String>) {
    if let Some(new) = f(text) {
        *text = Cow::Owned(new);
    }
}

/// Which span attributes are content: what the content policy treats as content, plus
/// `exception.message` (error text often quotes the user's input).
fn content_mask(span: &SpanData) -> Vec<bool> {
    let span_kind = crate::content_transform::span_kind(span);
    span.attributes
        .iter()
        .map(|kv| {
            kv.key.as_str() == "exception.message"
                || content_kind(kv.key.as_str(), span_kind, &span.attributes).is_some()
        })
        .collect()
}

/// Calls `f` on every content string of a span: content attributes, the status description,
/// event names and every string attribute of events (the bridge's events carry messages and
/// fields; exception events carry `exception.message`).
fn for_each_content_string(span: &mut SpanData, mut f: impl FnMut(&str) -> Option<String>) {
    let mask = content_mask(span);
    for (kv, content) in span.attributes.iter_mut().zip(mask) {
        if content {
            map_value_strings(&mut kv.value, &mut f);
        }
    }
    for event in span.events.events.iter_mut() {
        map_cow(&mut event.name, &mut f);
        for kv in event.attributes.iter_mut() {
            map_value_strings(&mut kv.value, &mut f);
        }
    }
    if let opentelemetry::trace::Status::Error { description } = &mut span.status {
        map_cow(description, &mut f);
    }
}

/// Calls `f` on every string of a span that may be cut to fit a request.
fn for_each_string(span: &mut SpanData, mut f: impl FnMut(&str) -> Option<String>) {
    let all = |attributes: &mut Vec<KeyValue>, f: &mut _| {
        for kv in attributes.iter_mut() {
            map_value_strings(&mut kv.value, f);
        }
    };
    all(&mut span.attributes, &mut f);
    for event in span.events.events.iter_mut() {
        map_cow(&mut event.name, &mut f);
        all(&mut event.attributes, &mut f);
    }
    for link in span.links.links.iter_mut() {
        all(&mut link.attributes, &mut f);
    }
    if let opentelemetry::trace::Status::Error { description } = &mut span.status {
        map_cow(description, &mut f);
    }
}

/// The value (0..64) of a base64 symbol, standard or URL-safe alphabet.
fn b64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// `text` with every inline media replaced, and how many were; `None` when there is none.
/// One pass: each byte is looked at a bounded number of times.
fn replace_inline_media(text: &str) -> Option<(String, u64)> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        if b64_value(bytes[i]).is_none() {
            i += 1;
            continue;
        }
        // A run of base64 symbols starts here (runs are consumed whole, so the byte before is
        // not a symbol): a data URI, a bare base64 run, or ordinary text.
        if let Some(uri) = data_uri_at(bytes, i) {
            out.push_str(&text[copied..i]);
            out.push_str(&placeholder(uri.media_type, &bytes[uri.data.0..uri.data.1]));
            copied = uri.end;
            count += 1;
            i = uri.end;
            continue;
        }
        let (end, seen, classes) = scan_run(bytes, i);
        let mut padded = end;
        while padded < bytes.len() && padded - end < 2 && bytes[padded] == b'=' {
            padded += 1;
        }
        if end - i >= BARE_MIN_CHARS && classes == 0b111 && seen.count_ones() >= BARE_MIN_DISTINCT {
            out.push_str(&text[copied..i]);
            out.push_str(&placeholder(None, &bytes[i..end]));
            copied = padded;
            count += 1;
        }
        i = padded;
    }
    if count == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some((out, count))
}

/// The end of the base64 run starting at `start`, the set of symbols it uses (a bit per
/// value), and which of upper case, lower case and digits it has (bits 0, 1, 2).
fn scan_run(bytes: &[u8], start: usize) -> (usize, u64, u8) {
    let mut seen = 0u64;
    let mut classes = 0u8;
    let mut end = start;
    while let Some(value) = bytes.get(end).and_then(|&b| b64_value(b)) {
        seen |= 1 << value;
        classes |= match bytes[end] {
            b'A'..=b'Z' => 1,
            b'a'..=b'z' => 2,
            b'0'..=b'9' => 4,
            _ => 0,
        };
        end += 1;
    }
    (end, seen, classes)
}

struct DataUri {
    /// The declared media type (lower case), when it is a well-formed `type/subtype`.
    media_type: Option<String>,
    /// The data's byte range (base64 symbols, padding and JSON `\/` escapes).
    data: (usize, usize),
    /// Where the URI ends.
    end: usize,
}

/// A base64 `data:` URI starting at `start`, if there is one.
fn data_uri_at(bytes: &[u8], start: usize) -> Option<DataUri> {
    let scheme = bytes.get(start..start + 5)?;
    if !scheme.eq_ignore_ascii_case(b"data:") {
        return None;
    }
    let header_start = start + 5;
    let mut comma = header_start;
    while comma < bytes.len() && comma - header_start <= DATA_HEADER_MAX {
        let b = bytes[comma];
        if b == b',' {
            break;
        }
        let escaped_slash = b == b'\\' && bytes.get(comma + 1) == Some(&b'/');
        if !(b.is_ascii_alphanumeric() || b"!#$&^_.+-/;=".contains(&b) || escaped_slash) {
            return None;
        }
        comma += 1;
    }
    if bytes.get(comma) != Some(&b',') {
        return None;
    }
    let header = &bytes[header_start..comma];
    let suffix = b";base64";
    if header.len() < suffix.len()
        || !header[header.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    {
        return None;
    }
    let media = &header[..header
        .iter()
        .position(|&b| b == b';')
        .unwrap_or(header.len())];
    // Header bytes are ASCII token characters (checked above), so this is lossless; a JSON
    // "\/" escape is undone.
    let media_type: String = media
        .iter()
        .filter(|&&b| b != b'\\')
        .map(|&b| char::from(b.to_ascii_lowercase()))
        .collect();
    let media_type = media_type
        .split_once('/')
        .is_some_and(|(t, s)| !t.is_empty() && !s.is_empty() && !s.contains('/'))
        .then_some(media_type);
    let data_start = comma + 1;
    let mut end = data_start;
    let mut symbols = 0usize;
    while end < bytes.len() {
        match bytes[end] {
            b'=' => end += 1,
            // JSON may escape '/' as "\/".
            b'\\' if bytes.get(end + 1) == Some(&b'/') => end += 1,
            b if b64_value(b).is_some() => {
                symbols += 1;
                end += 1;
            }
            _ => break,
        }
    }
    (symbols > 0).then_some(DataUri {
        media_type,
        data: (data_start, end),
        end,
    })
}

/// `[inline <type>, <n> bytes, sha256:<16 hex>]` for base64 `data` (other bytes skipped): the
/// size and hash are of the decoded bytes, so they match the file the media came from.
fn placeholder(declared: Option<String>, data: &[u8]) -> String {
    let mut hasher = Sha256::new();
    let mut head = [0u8; 16];
    let mut size = 0usize;
    let mut chunk = [0u8; 3 * 1024];
    let mut filled = 0;
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in data {
        let Some(value) = b64_value(b) else { continue };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            let byte = (acc >> bits) as u8;
            acc &= (1 << bits) - 1;
            if size < head.len() {
                head[size] = byte;
            }
            size += 1;
            chunk[filled] = byte;
            filled += 1;
            if filled == chunk.len() {
                hasher.update(&chunk[..]);
                filled = 0;
            }
        }
    }
    hasher.update(&chunk[..filled]);
    let digest = hasher.finalize();
    let media_type = declared
        .map(Cow::Owned)
        .or_else(|| sniff(&head[..size.min(head.len())]).map(Cow::Borrowed))
        .unwrap_or(Cow::Borrowed("media"));
    format!(
        "[inline {media_type}, {size} bytes, sha256:{}]",
        hex::encode(&digest[..8])
    )
}

/// The media type of decoded data from its first bytes, for the common image, audio and
/// document formats.
fn sniff(head: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    Some(if at(0, b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if at(0, b"\xff\xd8\xff") {
        "image/jpeg"
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        "image/gif"
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        "image/webp"
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        "audio/wav"
    } else if at(0, b"%PDF-") {
        "application/pdf"
    } else if at(0, b"OggS") {
        "audio/ogg"
    } else if at(0, b"fLaC") {
        "audio/flac"
    } else if at(0, b"ID3") || (head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0) {
        "audio/mpeg"
    } else if at(4, b"ftypM4A") {
        "audio/mp4"
    } else if at(4, b"ftyp") {
        "video/mp4"
    } else if at(0, b"\x1a\x45\xdf\xa3") {
        "video/webm"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests;
