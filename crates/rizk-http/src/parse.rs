//! The header parsers behind the propagators: pure functions of the header text, never
//! panicking on any input (a fuzz target in `fuzz/` covers them).
//!
//! Most programs never call these: the propagators use them. They are public for tests,
//! fuzzing, and code that carries trace headers in something other than a text map.
//!
//! ```
//! let sc = rizk_http::parse::traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
//! assert_eq!(rizk_http::parse::format_traceparent(&sc), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
//! ```

use std::fmt;

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

/// Bytes of a whole `baggage` header (all `baggage` headers of a request, joined) beyond which
/// it is dropped (W3C Baggage limits).
///
/// ```
/// assert_eq!(rizk_http::parse::MAX_BAGGAGE_BYTES, 8192);
/// ```
pub const MAX_BAGGAGE_BYTES: usize = 8192;
/// Members of `baggage` beyond which the rest are dropped (W3C Baggage limits).
///
/// ```
/// assert_eq!(rizk_http::parse::MAX_BAGGAGE_MEMBERS, 180);
/// ```
pub const MAX_BAGGAGE_MEMBERS: usize = 180;
/// Bytes of one baggage member beyond which it is dropped (W3C Baggage limits).
///
/// ```
/// assert_eq!(rizk_http::parse::MAX_BAGGAGE_MEMBER_BYTES, 4096);
/// ```
pub const MAX_BAGGAGE_MEMBER_BYTES: usize = 4096;
/// Members of `tracestate` beyond which the header is invalid (W3C Trace Context).
///
/// ```
/// assert_eq!(rizk_http::parse::MAX_TRACESTATE_MEMBERS, 32);
/// ```
pub const MAX_TRACESTATE_MEMBERS: usize = 32;

/// Why a propagation header could not be used.
///
/// ```
/// let err = rizk_http::parse::traceparent("00-zz").unwrap_err();
/// assert_eq!(err.header(), "traceparent");
/// assert!(err.to_string().starts_with("invalid traceparent header: "));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderError {
    header: &'static str,
    reason: &'static str,
}

impl HeaderError {
    const fn new(header: &'static str, reason: &'static str) -> Self {
        HeaderError { header, reason }
    }

    /// The header's name (`traceparent`, `b3`, `uber-trace-id`, ...).
    ///
    /// ```
    /// assert_eq!(rizk_http::parse::jaeger("x").unwrap_err().header(), "uber-trace-id");
    /// ```
    pub fn header(&self) -> &'static str {
        self.header
    }

    /// What is wrong with it.
    ///
    /// ```
    /// let err = rizk_http::parse::traceparent(
    ///     "00-00000000000000000000000000000000-00f067aa0ba902b7-01").unwrap_err();
    /// assert_eq!(err.reason(), "the trace id is all zeros");
    /// ```
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} header: {}", self.header, self.reason)
    }
}

impl std::error::Error for HeaderError {}

/// Optional white space of HTTP: spaces and tabs.
fn trim_ows(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}

fn lower_hex(b: &[u8]) -> bool {
    b.iter()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

fn any_hex(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_hexdigit)
}

/// Parses hex of at most 32 digits (any case) into a number.
fn hex_u128(s: &str) -> Option<u128> {
    if s.is_empty() || s.len() > 32 || !any_hex(s.as_bytes()) {
        return None;
    }
    u128::from_str_radix(s, 16).ok()
}

/// Parses hex of at most 16 digits (any case) into a number.
fn hex_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 16 || !any_hex(s.as_bytes()) {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

/// The W3C trace flags rizk keeps from a `traceparent`: sampled (`01`) and random (`02`,
/// Trace Context level 2, sent by the Python SDK as `03`). Other bits are accepted and cleared.
///
/// ```
/// assert_eq!(rizk_http::parse::KEPT_TRACE_FLAGS, 0x03);
/// ```
pub const KEPT_TRACE_FLAGS: u8 = 0x03;

/// Parses a W3C `traceparent` value into a remote span context (with an empty trace state).
///
/// Accepts any trace flags (only the sampled and random bits are kept) and future versions
/// (`01`..`fe`, reading the first four fields); refuses version `ff`, upper-case hex, all-zero
/// trace or parent ids, and every other malformation.
///
/// ```
/// let sc = rizk_http::parse::traceparent(
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03").unwrap();
/// assert!(sc.is_sampled() && sc.is_remote());
/// assert_eq!(format!("{}", sc.trace_id()), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert!(rizk_http::parse::traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").is_err());
/// ```
pub fn traceparent(value: &str) -> Result<SpanContext, HeaderError> {
    let err = |reason| HeaderError::new("traceparent", reason);
    let v = trim_ows(value).as_bytes();
    if v.len() < 55 {
        return Err(err("it is shorter than version-traceid-parentid-flags"));
    }
    if !lower_hex(&v[0..2]) {
        return Err(err("the version is not two lower-case hex digits"));
    }
    let version = u8::from_str_radix(std::str::from_utf8(&v[0..2]).unwrap_or("ff"), 16)
        .map_err(|_| err("the version is not hex"))?;
    if version == 0xff {
        return Err(err("version ff is forbidden"));
    }
    if version == 0 && v.len() != 55 {
        return Err(err("version 00 has exactly four fields"));
    }
    if v.len() > 55 && v[55] != b'-' {
        return Err(err("a field is longer than the format allows"));
    }
    if v[2] != b'-' || v[35] != b'-' || v[52] != b'-' {
        return Err(err(
            "the fields are not separated by '-' at the right places",
        ));
    }
    let (trace, span, flags) = (&v[3..35], &v[36..52], &v[53..55]);
    if !lower_hex(trace) || !lower_hex(span) || !lower_hex(flags) {
        return Err(err("an id or the flags are not lower-case hex"));
    }
    // The slices are ASCII hex: from_utf8 and the radix parses cannot fail.
    let text = |b: &[u8]| std::str::from_utf8(b).unwrap_or("0").to_owned();
    let trace_id = u128::from_str_radix(&text(trace), 16).unwrap_or(0);
    let span_id = u64::from_str_radix(&text(span), 16).unwrap_or(0);
    let flags = u8::from_str_radix(&text(flags), 16).unwrap_or(0);
    if trace_id == 0 {
        return Err(err("the trace id is all zeros"));
    }
    if span_id == 0 {
        return Err(err("the parent id is all zeros"));
    }
    Ok(SpanContext::new(
        TraceId::from(trace_id),
        SpanId::from(span_id),
        TraceFlags::new(flags & KEPT_TRACE_FLAGS),
        true,
        TraceState::NONE,
    ))
}

/// Formats a W3C `traceparent` value (version `00`).
///
/// ```
/// use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
///
/// let sc = SpanContext::new(TraceId::from(1u128), SpanId::from(2u64), TraceFlags::SAMPLED, false, TraceState::NONE);
/// assert_eq!(rizk_http::parse::format_traceparent(&sc),
///     "00-00000000000000000000000000000001-0000000000000002-01");
/// ```
pub fn format_traceparent(sc: &SpanContext) -> String {
    format!(
        "00-{:032x}-{:016x}-{:02x}",
        sc.trace_id(),
        sc.span_id(),
        sc.trace_flags().to_u8() & KEPT_TRACE_FLAGS
    )
}

fn tracestate_key_ok(key: &str) -> bool {
    let b = key.as_bytes();
    let rest = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-*/".contains(c);
    match key.split_once('@') {
        None => {
            !b.is_empty() && b.len() <= 256 && b[0].is_ascii_lowercase() && b[1..].iter().all(rest)
        }
        Some((tenant, system)) => {
            let (t, s) = (tenant.as_bytes(), system.as_bytes());
            !t.is_empty()
                && t.len() <= 241
                && (t[0].is_ascii_lowercase() || t[0].is_ascii_digit())
                && t[1..].iter().all(rest)
                && !s.is_empty()
                && s.len() <= 14
                && s[0].is_ascii_lowercase()
                && s[1..].iter().all(rest)
        }
    }
}

fn tracestate_value_ok(value: &str) -> bool {
    let b = value.as_bytes();
    let nblk = |c: u8| (0x21..=0x7e).contains(&c) && c != b',' && c != b'=';
    !b.is_empty()
        && b.len() <= 256
        && b.iter().all(|&c| c == b' ' || nblk(c))
        && b.last().is_some_and(|&c| nblk(c))
}

/// Parses a W3C `tracestate` value (all `tracestate` headers of a request joined with `,`).
///
/// Refuses more than 32 members, duplicate keys, and keys or values outside the W3C grammar;
/// empty members are skipped.
///
/// ```
/// let state = rizk_http::parse::tracestate("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE").unwrap();
/// assert_eq!(state.get("congo"), Some("t61rcWkgMzE"));
/// assert!(rizk_http::parse::tracestate("Upper=1").is_err());
/// ```
pub fn tracestate(value: &str) -> Result<TraceState, HeaderError> {
    let err = |reason| HeaderError::new("tracestate", reason);
    let mut members: Vec<(&str, &str)> = Vec::new();
    for member in value.split(',') {
        let member = trim_ows(member);
        if member.is_empty() {
            continue;
        }
        if members.len() == MAX_TRACESTATE_MEMBERS {
            return Err(err("it has more than 32 members"));
        }
        let Some((key, val)) = member.split_once('=') else {
            return Err(err("a member has no '='"));
        };
        if !tracestate_key_ok(key) {
            return Err(err("a key is outside the W3C grammar"));
        }
        if !tracestate_value_ok(val) {
            return Err(err("a value is outside the W3C grammar"));
        }
        if members.iter().any(|(k, _)| *k == key) {
            return Err(err("a key appears twice"));
        }
        members.push((key, val));
    }
    TraceState::from_key_value(members).map_err(|_| err("OpenTelemetry refused a member"))
}

/// One `key=value;properties` member of a baggage header, decoded.
///
/// ```
/// let parsed = rizk_http::parse::baggage("user.id=u%2042;ttl=3");
/// let member = &parsed.members[0];
/// assert_eq!((member.key.as_str(), member.value.as_str(), member.properties.as_str()), ("user.id", "u 42", "ttl=3"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaggageMember {
    /// The key (a token; not percent-decoded).
    pub key: String,
    /// The value, percent-decoded, `+` read as a space.
    pub value: String,
    /// The properties after the first `;`, as sent (empty when none).
    pub properties: String,
}

/// What [`baggage`] made of a header: the valid members, and what it dropped.
///
/// ```
/// let parsed = rizk_http::parse::baggage("a=1,=broken,b=2");
/// assert_eq!(parsed.members.len(), 2);
/// assert_eq!(parsed.invalid, 1);
/// assert!(!parsed.over_limit);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedBaggage {
    /// The valid members, in order.
    pub members: Vec<BaggageMember>,
    /// Members dropped because they were invalid.
    pub invalid: usize,
    /// Whether a W3C limit dropped the header or some of its members.
    pub over_limit: bool,
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Whether `key` is an HTTP token, the W3C grammar of baggage keys.
///
/// ```
/// assert!(rizk_http::parse::is_token("conversation.id"));
/// assert!(!rizk_http::parse::is_token("a b"));
/// ```
pub fn is_token(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(is_tchar)
}

fn baggage_octet(c: u8) -> bool {
    matches!(c, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

/// Percent-decodes `value` into UTF-8, reading `+` as a space (the Python SDK encodes spaces
/// as `+`). `None` for a broken escape or bytes that are not UTF-8.
///
/// ```
/// assert_eq!(rizk_http::parse::percent_decode("s+1%2F2").as_deref(), Some("s 1/2"));
/// assert_eq!(rizk_http::parse::percent_decode("100%").as_deref(), None);
/// ```
pub fn percent_decode(value: &str) -> Option<String> {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                if !any_hex(hex) {
                    return None;
                }
                let hi = (hex[0] as char).to_digit(16)?;
                let lo = (hex[1] as char).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes a baggage value: every byte outside the W3C baggage-octets, and `%` and `+`
/// (so that a receiver that reads `+` as a space still gets the value back).
///
/// ```
/// assert_eq!(rizk_http::parse::percent_encode("s 1/2+ü"), "s%201/2%2B%C3%BC");
/// ```
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &c in value.as_bytes() {
        if baggage_octet(c) && c != b'%' && c != b'+' {
            out.push(c as char);
        } else {
            out.push('%');
            out.push(
                char::from_digit(u32::from(c >> 4), 16).map_or('0', |d| d.to_ascii_uppercase()),
            );
            out.push(
                char::from_digit(u32::from(c & 0xf), 16).map_or('0', |d| d.to_ascii_uppercase()),
            );
        }
    }
    out
}

fn property_ok(property: &str) -> bool {
    let property = trim_ows(property);
    match property.split_once('=') {
        None => is_token(property),
        Some((k, v)) => is_token(trim_ows(k)) && trim_ows(v).bytes().all(baggage_octet),
    }
}

/// Parses a W3C `baggage` value (all `baggage` headers of a request joined with `,`).
///
/// Enforces the W3C limits: a value over 8192 bytes is dropped whole; members beyond the 180th
/// and members over 4096 bytes are dropped. Invalid members (no `=`, a key that is not a token,
/// a value with characters outside the baggage-octets or a broken escape, invalid properties)
/// are dropped one by one; the others are kept.
///
/// ```
/// let parsed = rizk_http::parse::baggage("conversation.id=s+1%2F2, user.id = u-42");
/// assert_eq!(parsed.members[0].value, "s 1/2");
/// assert_eq!(parsed.members[1].value, "u-42");
///
/// let too_long = format!("k={}", "v".repeat(9000));
/// assert!(rizk_http::parse::baggage(&too_long).over_limit);
/// ```
pub fn baggage(value: &str) -> ParsedBaggage {
    let mut parsed = ParsedBaggage::default();
    if value.len() > MAX_BAGGAGE_BYTES {
        parsed.over_limit = true;
        return parsed;
    }
    for member in value.split(',') {
        let member = trim_ows(member);
        if member.is_empty() {
            continue;
        }
        if parsed.members.len() == MAX_BAGGAGE_MEMBERS {
            parsed.over_limit = true;
            break;
        }
        if member.len() > MAX_BAGGAGE_MEMBER_BYTES {
            parsed.over_limit = true;
            continue;
        }
        let (pair, properties) = match member.split_once(';') {
            Some((pair, properties)) => (pair, trim_ows(properties)),
            None => (member, ""),
        };
        let decoded = pair.split_once('=').and_then(|(key, val)| {
            let (key, val) = (trim_ows(key), trim_ows(val));
            let valid = is_token(key)
                && val.bytes().all(baggage_octet)
                && (properties.is_empty() || properties.split(';').all(property_ok));
            if !valid {
                return None;
            }
            Some(BaggageMember {
                key: key.to_owned(),
                value: percent_decode(val)?,
                properties: properties.to_owned(),
            })
        });
        match decoded {
            Some(m) => parsed.members.push(m),
            None => parsed.invalid += 1,
        }
    }
    parsed
}

/// Parses a B3 single header (`b3: {trace}-{span}[-{sampled}[-{parent}]]`). A value that is
/// only a sampling decision (`0`, `1`, `d`) carries no trace: `Ok(None)`.
///
/// An absent sampling state (the decision is deferred) is read as sampled; `d` (debug) is
/// sampled.
///
/// ```
/// let sc = rizk_http::parse::b3_single("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90")
///     .unwrap().unwrap();
/// assert!(sc.is_sampled());
/// assert_eq!(rizk_http::parse::b3_single("0").unwrap(), None);
/// ```
pub fn b3_single(value: &str) -> Result<Option<SpanContext>, HeaderError> {
    let err = |reason| HeaderError::new("b3", reason);
    let value = trim_ows(value);
    if matches!(value, "0" | "1" | "d") {
        return Ok(None);
    }
    let parts: Vec<&str> = value.split('-').collect();
    if parts.len() < 2 || parts.len() > 4 {
        return Err(err("it is not {trace}-{span}[-{sampled}[-{parent}]]"));
    }
    let trace_id = b3_trace_id(parts[0]).ok_or(err("the trace id is not 16 or 32 hex digits"))?;
    let span_id = b3_span_id(parts[1]).ok_or(err("the span id is not 16 hex digits"))?;
    let sampled = match parts.get(2) {
        None => true,
        Some(&"1") | Some(&"d") => true,
        Some(&"0") => false,
        Some(_) => return Err(err("the sampling state is not 0, 1 or d")),
    };
    if let Some(parent) = parts.get(3)
        && b3_span_id(parent).is_none()
    {
        return Err(err("the parent span id is not 16 hex digits"));
    }
    remote(trace_id, span_id, sampled)
        .map(Some)
        .ok_or(err("an id is all zeros"))
}

/// Parses the B3 multi-header form: `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled` (`1`, `0`,
/// `true`, `false`; absent reads as sampled) and `X-B3-Flags` (`1`: debug, sampled).
///
/// ```
/// let sc = rizk_http::parse::b3_multi("463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", Some("0"), None).unwrap();
/// assert!(!sc.is_sampled());
/// ```
pub fn b3_multi(
    trace_id: &str,
    span_id: &str,
    sampled: Option<&str>,
    flags: Option<&str>,
) -> Result<SpanContext, HeaderError> {
    let err = |reason| HeaderError::new("x-b3-traceid", reason);
    let trace_id =
        b3_trace_id(trim_ows(trace_id)).ok_or(err("the trace id is not 16 or 32 hex digits"))?;
    let span_id = b3_span_id(trim_ows(span_id)).ok_or(err("X-B3-SpanId is not 16 hex digits"))?;
    let debug = flags.map(trim_ows) == Some("1");
    let sampled = match sampled.map(trim_ows) {
        _ if debug => true,
        None => true,
        Some(s) if s == "1" || s.eq_ignore_ascii_case("true") => true,
        Some(s) if s == "0" || s.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(err("X-B3-Sampled is not 1 or 0")),
    };
    remote(trace_id, span_id, sampled).ok_or(err("an id is all zeros"))
}

fn b3_trace_id(s: &str) -> Option<u128> {
    if s.len() != 16 && s.len() != 32 {
        return None;
    }
    hex_u128(s)
}

fn b3_span_id(s: &str) -> Option<u64> {
    if s.len() != 16 {
        return None;
    }
    hex_u64(s)
}

fn remote(trace_id: u128, span_id: u64, sampled: bool) -> Option<SpanContext> {
    (trace_id != 0 && span_id != 0).then(|| {
        SpanContext::new(
            TraceId::from(trace_id),
            SpanId::from(span_id),
            if sampled {
                TraceFlags::SAMPLED
            } else {
                TraceFlags::NOT_SAMPLED
            },
            true,
            TraceState::NONE,
        )
    })
}

/// Parses Jaeger's `uber-trace-id` (`{trace}:{span}:{parent}:{flags}`, hex, leading zeros
/// optional; also with the colons escaped as `%3A`). Flags bit 1 is sampled, bit 2 debug
/// (sampled too).
///
/// ```
/// let sc = rizk_http::parse::jaeger("4d0000000000000016:17c29:0:1").unwrap();
/// assert!(sc.is_sampled());
/// assert_eq!(sc.span_id().to_string(), "0000000000017c29");
/// ```
pub fn jaeger(value: &str) -> Result<SpanContext, HeaderError> {
    let err = |reason| HeaderError::new("uber-trace-id", reason);
    let value = trim_ows(value);
    let unescaped;
    let value = if !value.contains(':') && (value.contains("%3A") || value.contains("%3a")) {
        unescaped = value.replace("%3A", ":").replace("%3a", ":");
        unescaped.as_str()
    } else {
        value
    };
    let parts: Vec<&str> = value.split(':').collect();
    if parts.len() != 4 {
        return Err(err("it is not {trace}:{span}:{parent}:{flags}"));
    }
    let trace_id = hex_u128(parts[0]).ok_or(err("the trace id is not 1 to 32 hex digits"))?;
    let span_id = hex_u64(parts[1]).ok_or(err("the span id is not 1 to 16 hex digits"))?;
    hex_u64(parts[2]).ok_or(err("the parent span id is not hex"))?;
    let flags = if parts[3].len() <= 2 {
        u8::from_str_radix(parts[3], 16).ok()
    } else {
        None
    }
    .ok_or(err("the flags are not one or two hex digits"))?;
    remote(trace_id, span_id, flags & 0x03 != 0).ok_or(err("an id is all zeros"))
}

/// Parses Datadog's headers: `x-datadog-trace-id` and `x-datadog-parent-id` (decimal),
/// `x-datadog-sampling-priority` (above 0: sampled; absent: sampled, the decision is
/// deferred), and the upper 64 bits of a 128-bit trace id from `x-datadog-tags`
/// (`_dd.p.tid=<16 hex>`).
///
/// ```
/// let sc = rizk_http::parse::datadog("1234", "12", Some("1"), Some("_dd.p.tid=640cfd8d00000000")).unwrap();
/// assert_eq!(format!("{}", sc.trace_id()), "640cfd8d0000000000000000000004d2");
/// ```
pub fn datadog(
    trace_id: &str,
    parent_id: &str,
    sampling_priority: Option<&str>,
    tags: Option<&str>,
) -> Result<SpanContext, HeaderError> {
    let err = |reason| HeaderError::new("x-datadog-trace-id", reason);
    let decimal = |s: &str| {
        let s = trim_ows(s);
        (!s.is_empty() && s.len() <= 20 && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let low = decimal(trace_id).ok_or(err("the trace id is not a 64-bit decimal number"))?;
    let span_id =
        decimal(parent_id).ok_or(err("x-datadog-parent-id is not a 64-bit decimal number"))?;
    let sampled = match sampling_priority.map(trim_ows) {
        None => true,
        Some(p) => {
            p.parse::<i32>()
                .map_err(|_| err("x-datadog-sampling-priority is not an integer"))?
                > 0
        }
    };
    let mut high = 0u64;
    if let Some(tags) = tags {
        for tag in tags.split(',') {
            if let Some((key, value)) = tag.split_once('=')
                && trim_ows(key) == "_dd.p.tid"
            {
                let value = trim_ows(value);
                if value.len() != 16 {
                    return Err(err("_dd.p.tid in x-datadog-tags is not 16 hex digits"));
                }
                high = hex_u64(value)
                    .ok_or(err("_dd.p.tid in x-datadog-tags is not 16 hex digits"))?;
            }
        }
    }
    let trace_id = (u128::from(high) << 64) | u128::from(low);
    if low == 0 {
        return Err(err("the trace id is zero"));
    }
    remote(trace_id, span_id, sampled).ok_or(err("the parent id is zero"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn traceparent_accepts_valid_values_any_flags_and_future_versions() {
        let sc = traceparent(TP).unwrap();
        assert_eq!(sc.span_id(), SpanId::from(0x00f0_67aa_0ba9_02b7));
        for flags in ["00", "01", "03", "09", "ff"] {
            let v = format!("{}{flags}", &TP[..53]);
            let sc = traceparent(&v).unwrap();
            assert_eq!(
                sc.trace_flags().to_u8(),
                u8::from_str_radix(flags, 16).unwrap() & 3
            );
        }
        assert!(traceparent(&format!(" {TP}\t")).is_ok());
        assert!(traceparent(&format!("cc{}-what-the-future-will-bring", &TP[2..])).is_ok());
        assert!(traceparent(&format!("cc{}", &TP[2..])).is_ok());
    }

    #[test]
    fn traceparent_refuses_malformed_values() {
        let bad = [
            "",
            "00",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.x",
            "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ü1",
        ];
        for v in bad {
            assert!(traceparent(v).is_err(), "{v:?}");
        }
    }

    #[test]
    fn traceparent_round_trips() {
        let sc = traceparent(&format!("{}03", &TP[..53])).unwrap();
        assert_eq!(format_traceparent(&sc), format!("{}03", &TP[..53]));
    }

    #[test]
    fn tracestate_follows_the_w3c_grammar() {
        let state = tracestate("a=1,,  b@vendor=x y ,c=3").unwrap();
        assert_eq!(state.header(), "a=1,b@vendor=x y,c=3");
        for bad in [
            "a",
            "A=1",
            "a=1,a=2",
            "a=",
            "a=b=c",
            "1tenant@Sys=1",
            "tenant@sys567890123456=1",
            "a=\u{7f}",
        ] {
            assert!(tracestate(bad).is_err(), "{bad:?}");
        }
        let many: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
        assert!(tracestate(&many.join(",")).is_err());
        assert!(tracestate(&many[..32].join(",")).is_ok());
        assert!(tracestate("").unwrap().header().is_empty());
    }

    #[test]
    fn baggage_decodes_plus_and_percent_spaces_alike() {
        let parsed = baggage("a=s+1%2F2,b=s%201%2f2");
        assert_eq!(parsed.members[0].value, "s 1/2");
        assert_eq!(parsed.members[1].value, "s 1/2");
        assert_eq!(parsed.invalid, 0);
    }

    #[test]
    fn baggage_drops_invalid_members_one_by_one() {
        let parsed =
            baggage("ok=1,no-equals,bad key=2,v=\"q\",e=%zz,u=%FF,p=1;bad prop,k=2;ttl=3;flag");
        let keys: Vec<&str> = parsed.members.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["ok", "k"]);
        assert_eq!(parsed.members[1].properties, "ttl=3;flag");
        assert_eq!(parsed.invalid, 6);
    }

    #[test]
    fn baggage_limits_are_enforced() {
        let members: Vec<String> = (0..200).map(|i| format!("k{i}=v")).collect();
        let parsed = baggage(&members.join(","));
        assert_eq!(parsed.members.len(), MAX_BAGGAGE_MEMBERS);
        assert!(parsed.over_limit);

        let long_member = format!("big={}", "x".repeat(4100));
        let parsed = baggage(&format!("a=1,{long_member},b=2"));
        assert_eq!(parsed.members.len(), 2);
        assert!(parsed.over_limit);

        let parsed = baggage(&"a=1,".repeat(2100));
        assert!(parsed.over_limit);
        assert!(parsed.members.is_empty());
    }

    #[test]
    fn percent_encoding_round_trips_through_decoding() {
        for s in ["plain", "s 1/2", "a+b", "100%", "ü,;=\"\\", ""] {
            assert_eq!(
                percent_decode(&percent_encode(s)).as_deref(),
                Some(s),
                "{s:?}"
            );
            assert!(percent_encode(s).bytes().all(baggage_octet));
        }
    }

    #[test]
    fn b3_single_and_multi() {
        let sc = b3_single("463ac35c9f6413ad-a2fb4a1d1a96d312")
            .unwrap()
            .unwrap();
        assert_eq!(sc.trace_id(), TraceId::from(0x463a_c35c_9f64_13adu128));
        assert!(sc.is_sampled());
        assert!(
            !b3_single("463ac35c9f6413ad-a2fb4a1d1a96d312-0")
                .unwrap()
                .unwrap()
                .is_sampled()
        );
        assert!(
            b3_single("463ac35c9f6413ad-a2fb4a1d1a96d312-d")
                .unwrap()
                .unwrap()
                .is_sampled()
        );
        for bad in [
            "x",
            "463ac35c9f6413ad",
            "463ac35c9f6413a-a2fb4a1d1a96d312",
            "463ac35c9f6413ad-a2fb4a1d1a96d312-2",
            "463ac35c9f6413ad-a2fb4a1d1a96d312-1-xyz",
            "0000000000000000-a2fb4a1d1a96d312",
            "a-b-c-d-e",
        ] {
            assert!(b3_single(bad).is_err(), "{bad:?}");
        }
        assert!(
            b3_multi("463ac35c9f6413ad", "a2fb4a1d1a96d312", Some("true"), None)
                .unwrap()
                .is_sampled()
        );
        assert!(
            b3_multi("463ac35c9f6413ad", "a2fb4a1d1a96d312", Some("0"), Some("1"))
                .unwrap()
                .is_sampled()
        );
        assert!(b3_multi("463ac35c9f6413ad", "", None, None).is_err());
        assert!(b3_multi("463ac35c9f6413ad", "a2fb4a1d1a96d312", Some("yes"), None).is_err());
    }

    #[test]
    fn jaeger_accepts_short_ids_and_escaped_colons() {
        let sc = jaeger("4d0000000000000016%3A17c29%3A0%3A3").unwrap();
        assert_eq!(
            sc.trace_id(),
            TraceId::from(0x004d_0000_0000_0000_0016_u128)
        );
        assert!(sc.is_sampled());
        assert!(!jaeger("1:2:0:0").unwrap().is_sampled());
        for bad in [
            "",
            "1:2:0",
            "1:2:0:1:5",
            "0:2:0:1",
            "1:0:0:1",
            "x:2:0:1",
            "1:2:0:100",
            "1:2:z:1",
            "123456789012345678901234567890123:2:0:1",
        ] {
            assert!(jaeger(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn datadog_reads_128_bit_ids_from_tags() {
        let sc = datadog("1234", "12", None, None).unwrap();
        assert_eq!(sc.trace_id(), TraceId::from(1234u128));
        assert!(sc.is_sampled());
        assert!(!datadog("1234", "12", Some("0"), None).unwrap().is_sampled());
        assert!(
            !datadog("1234", "12", Some("-1"), None)
                .unwrap()
                .is_sampled()
        );
        assert!(
            datadog(
                "1234",
                "12",
                Some("2"),
                Some("_dd.p.dm=-1,_dd.p.tid=640cfd8d00000000")
            )
            .unwrap()
            .is_sampled()
        );
        for (t, p, s, tags) in [
            ("x", "12", None, None),
            ("1234", "", None, None),
            ("0", "12", None, None),
            ("1234", "0", None, None),
            ("1234", "12", Some("high"), None),
            ("1234", "12", None, Some("_dd.p.tid=xyz")),
            ("99999999999999999999999", "12", None, None),
        ] {
            assert!(datadog(t, p, s, tags).is_err(), "{t} {p} {s:?} {tags:?}");
        }
    }
}
