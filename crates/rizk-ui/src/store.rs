//! The SQLite store: spans, and one summary row per trace kept up to date on insert so the
//! list page never scans the spans.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value as Json, json};

use crate::error::UiError;
use crate::model::SpanRecord;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA cache_size = -65536;
CREATE TABLE IF NOT EXISTS spans (
    trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_id TEXT, name TEXT NOT NULL,
    kind TEXT NOT NULL, service TEXT NOT NULL, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
    status TEXT NOT NULL, status_message TEXT NOT NULL, attributes TEXT NOT NULL,
    events TEXT NOT NULL, tokens INTEGER, cost REAL,
    PRIMARY KEY (trace_id, span_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS traces (
    trace_id TEXT PRIMARY KEY, root_name TEXT, first_name TEXT NOT NULL, service TEXT NOT NULL,
    start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, span_count INTEGER NOT NULL,
    error_count INTEGER NOT NULL, tokens INTEGER, cost REAL);
CREATE INDEX IF NOT EXISTS traces_by_start ON traces (start_ns);
";

/// What a batch adds to one trace's summary row.
struct TraceDelta<'a> {
    trace_id: &'a str,
    root_name: Option<&'a str>,
    first_name: &'a str,
    service: &'a str,
    start_ns: i64,
    end_ns: i64,
    spans: i64,
    errors: i64,
    tokens: Option<i64>,
    cost: Option<f64>,
}

impl<'a> TraceDelta<'a> {
    fn new(s: &'a SpanRecord, tokens: Option<i64>, cost: Option<f64>) -> Self {
        TraceDelta {
            trace_id: &s.trace_id,
            root_name: s.parent_id.is_none().then_some(s.name.as_str()),
            first_name: &s.name,
            service: &s.service,
            start_ns: s.start_ns,
            end_ns: s.end_ns,
            spans: 1,
            errors: i64::from(s.status == "error"),
            tokens,
            cost,
        }
    }

    fn add(&mut self, s: &'a SpanRecord, tokens: Option<i64>, cost: Option<f64>) {
        if s.parent_id.is_none() {
            self.root_name = Some(&s.name);
            self.service = &s.service;
        }
        self.start_ns = self.start_ns.min(s.start_ns);
        self.end_ns = self.end_ns.max(s.end_ns);
        self.spans += 1;
        self.errors += i64::from(s.status == "error");
        if let Some(t) = tokens {
            self.tokens = Some(self.tokens.unwrap_or(0).saturating_add(t));
        }
        if let Some(c) = cost {
            self.cost = Some(self.cost.unwrap_or(0.0) + c);
        }
    }
}

/// How much the store keeps: the oldest traces go first once a bound is passed.
///
/// ```
/// let keep = rizk_ui::Retention { max_spans: Some(100_000), max_age: None };
/// assert!(keep.max_spans.is_some());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Retention {
    /// At most this many spans (whole traces are dropped, oldest first).
    pub max_spans: Option<u64>,
    /// Traces that ended longer ago than this are dropped.
    pub max_age: Option<Duration>,
}

/// Parses `30s`, `15m`, `12h`, `7d` (the `--retention` flag).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(rizk_ui::parse_duration("2h").unwrap(), Duration::from_secs(7200));
/// assert!(rizk_ui::parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, UiError> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| UiError::Retention(text.into()))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(UiError::Retention(text.into())),
    };
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

/// Filters of the traces list.
///
/// ```
/// let filter = rizk_ui::ListFilter { status: Some("error".into()), ..Default::default() };
/// assert_eq!(filter.limit, 0); // 0: the default page size
/// ```
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListFilter {
    /// Only this service.
    pub service: Option<String>,
    /// `error` (a failed span) or `ok` (none).
    pub status: Option<String>,
    /// Text in the trace id, root name, service or any span name.
    pub q: Option<String>,
    /// At most this many rows (0: 200).
    #[serde(default)]
    pub limit: usize,
}

/// The trace store on one SQLite file (or in memory).
///
/// ```
/// use rizk_ui::{Retention, SpanRecord, Store};
///
/// let mut store = Store::in_memory(Retention::default()).unwrap();
/// let mut span = SpanRecord::new("01".repeat(16), "02".repeat(8), "workflow");
/// span.end_ns = 1_000_000;
/// assert_eq!(store.insert(&[span]).unwrap(), 1);
/// assert_eq!(store.span_count(), 1);
/// ```
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    retention: Retention,
    spans: u64,
    last_age_sweep: Option<Instant>,
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

impl Store {
    /// Opens (or creates) the store at `path`; the traces in it are kept.
    ///
    /// ```
    /// let path = std::env::temp_dir().join("rizk-ui-doc-open.sqlite");
    /// let store = rizk_ui::Store::open(&path, Default::default()).unwrap();
    /// # drop(store); std::fs::remove_file(path).ok();
    /// ```
    pub fn open(path: impl AsRef<Path>, retention: Retention) -> Result<Self, UiError> {
        let path = path.as_ref();
        let open = |source| UiError::Open {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(open)?;
        conn.execute_batch(SCHEMA).map_err(open)?;
        Self::with(conn, retention)
    }

    /// A store that lives in memory only (the static export, tests).
    ///
    /// ```
    /// let store = rizk_ui::Store::in_memory(Default::default()).unwrap();
    /// assert_eq!(store.span_count(), 0);
    /// ```
    pub fn in_memory(retention: Retention) -> Result<Self, UiError> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(SCHEMA)?;
        Self::with(conn, retention)
    }

    fn with(conn: Connection, retention: Retention) -> Result<Self, UiError> {
        let spans: i64 = conn.query_row("SELECT COUNT(*) FROM spans", [], |r| r.get(0))?;
        let mut store = Store {
            conn,
            retention,
            spans: u64::try_from(spans).unwrap_or(0),
            last_age_sweep: None,
        };
        store.enforce_retention()?;
        Ok(store)
    }

    /// How many spans are stored.
    ///
    /// ```
    /// assert_eq!(rizk_ui::Store::in_memory(Default::default()).unwrap().span_count(), 0);
    /// ```
    pub fn span_count(&self) -> u64 {
        self.spans
    }

    /// Stores spans in one transaction; a span already stored (same trace and span id, as a
    /// retried export sends) is skipped. Returns how many were new. Retention is applied after.
    ///
    /// ```
    /// let mut store = rizk_ui::Store::in_memory(Default::default()).unwrap();
    /// let span = rizk_ui::SpanRecord::new("01".repeat(16), "02".repeat(8), "root");
    /// assert_eq!(store.insert(&[span.clone(), span]).unwrap(), 1);
    /// ```
    pub fn insert(&mut self, spans: &[SpanRecord]) -> Result<usize, UiError> {
        let tx = self.conn.transaction()?;
        let mut added = 0;
        {
            let mut span_stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO spans VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
            )?;
            // One summary upsert per trace of the batch, not per span: SDKs batch a trace's
            // spans together, so this saves most of the writes.
            let mut summaries: Vec<TraceDelta<'_>> = Vec::new();
            let mut index: HashMap<&str, usize> = HashMap::new();
            for s in spans {
                let (tokens, cost) = (s.tokens(), s.cost());
                let attributes = serde_json::to_string(&s.attributes).unwrap_or_default();
                let events = serde_json::to_string(&s.events).unwrap_or_default();
                let new = span_stmt.execute(params![
                    s.trace_id,
                    s.span_id,
                    s.parent_id,
                    s.name,
                    s.kind,
                    s.service,
                    s.start_ns,
                    s.end_ns,
                    s.status,
                    s.status_message,
                    attributes,
                    events,
                    tokens,
                    cost
                ])?;
                if new == 0 {
                    continue;
                }
                added += 1;
                match index.get(s.trace_id.as_str()) {
                    Some(&i) => summaries[i].add(s, tokens, cost),
                    None => {
                        index.insert(&s.trace_id, summaries.len());
                        summaries.push(TraceDelta::new(s, tokens, cost));
                    }
                }
            }
            let mut trace_stmt = tx.prepare_cached(
                "INSERT INTO traces VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)
                 ON CONFLICT(trace_id) DO UPDATE SET
                   root_name = COALESCE(excluded.root_name, root_name),
                   service = CASE WHEN excluded.root_name IS NOT NULL THEN excluded.service ELSE service END,
                   start_ns = MIN(start_ns, excluded.start_ns),
                   end_ns = MAX(end_ns, excluded.end_ns),
                   span_count = span_count + excluded.span_count,
                   error_count = error_count + excluded.error_count,
                   tokens = CASE WHEN excluded.tokens IS NULL THEN tokens
                                 ELSE COALESCE(tokens, 0) + excluded.tokens END,
                   cost = CASE WHEN excluded.cost IS NULL THEN cost
                               ELSE COALESCE(cost, 0) + excluded.cost END",
            )?;
            for d in &summaries {
                trace_stmt.execute(params![
                    d.trace_id,
                    d.root_name,
                    d.first_name,
                    d.service,
                    d.start_ns,
                    d.end_ns,
                    d.spans,
                    d.errors,
                    d.tokens,
                    d.cost
                ])?;
            }
        }
        tx.commit()?;
        self.spans += added as u64;
        self.enforce_retention()?;
        Ok(added)
    }

    fn delete_trace(&mut self, trace_id: &str) -> Result<(), UiError> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM spans WHERE trace_id = ?1")?
            .execute([trace_id])?;
        self.conn
            .prepare_cached("DELETE FROM traces WHERE trace_id = ?1")?
            .execute([trace_id])?;
        self.spans = self.spans.saturating_sub(n as u64);
        Ok(())
    }

    /// Drops the oldest traces past the bounds. The age sweep runs at most every 10 s: it is a
    /// range scan, and a bound in hours does not need it more often.
    fn enforce_retention(&mut self) -> Result<(), UiError> {
        if let Some(age) = self.retention.max_age
            && self
                .last_age_sweep
                .is_none_or(|t| t.elapsed() > Duration::from_secs(10))
        {
            self.last_age_sweep = Some(Instant::now());
            let cutoff = now_ns().saturating_sub(i64::try_from(age.as_nanos()).unwrap_or(i64::MAX));
            let old: Vec<String> = self
                .conn
                .prepare("SELECT trace_id FROM traces WHERE end_ns < ?1")?
                .query_map([cutoff], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            self.delete_all(&old)?;
        }
        if let Some(max) = self.retention.max_spans {
            while self.spans > max {
                let oldest: Vec<String> = self
                    .conn
                    .prepare_cached("SELECT trace_id FROM traces ORDER BY start_ns LIMIT 64")?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                if oldest.is_empty() {
                    break;
                }
                let tx_ids: Vec<String> = oldest;
                let before = self.spans;
                self.conn.execute_batch("BEGIN")?;
                for id in &tx_ids {
                    self.delete_trace(id)?;
                    if self.spans <= max {
                        break;
                    }
                }
                self.conn.execute_batch("COMMIT")?;
                if self.spans == before {
                    break;
                }
            }
        }
        Ok(())
    }

    fn delete_all(&mut self, ids: &[String]) -> Result<(), UiError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.conn.execute_batch("BEGIN")?;
        for id in ids {
            self.delete_trace(id)?;
        }
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    /// The traces list, newest first, as the JSON the page reads.
    ///
    /// ```
    /// let store = rizk_ui::Store::in_memory(Default::default()).unwrap();
    /// let list = store.list(&Default::default()).unwrap();
    /// assert_eq!(list["traces"].as_array().unwrap().len(), 0);
    /// ```
    pub fn list(&self, filter: &ListFilter) -> Result<Json, UiError> {
        let limit = if filter.limit == 0 {
            200
        } else {
            filter.limit.min(5000)
        };
        let like = filter.q.as_deref().filter(|q| !q.is_empty()).map(|q| {
            format!(
                "%{}%",
                q.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        let status = filter.status.as_deref().unwrap_or("");
        let mut stmt = self.conn.prepare_cached(
            "SELECT trace_id, COALESCE(root_name, first_name), root_name IS NULL, service, start_ns,
                    end_ns, span_count, error_count, tokens, cost
             FROM traces
             WHERE (?1 IS NULL OR ?1 = '' OR service = ?1)
               AND (?2 = '' OR (?2 = 'error' AND error_count > 0) OR (?2 = 'ok' AND error_count = 0))
               AND (?3 IS NULL OR trace_id LIKE ?3 ESCAPE '\\' OR first_name LIKE ?3 ESCAPE '\\'
                    OR root_name LIKE ?3 ESCAPE '\\' OR service LIKE ?3 ESCAPE '\\'
                    OR trace_id IN (SELECT trace_id FROM spans WHERE name LIKE ?3 ESCAPE '\\'))
             ORDER BY start_ns DESC LIMIT ?4",
        )?;
        let rows = stmt
            .query_map(params![filter.service, status, like, limit as i64], |r| {
                let start: i64 = r.get(4)?;
                let end: i64 = r.get(5)?;
                Ok(json!({
                    "trace_id": r.get::<_, String>(0)?,
                    "name": r.get::<_, String>(1)?,
                    "root_missing": r.get::<_, bool>(2)?,
                    "service": r.get::<_, String>(3)?,
                    "start_ns": start.to_string(),
                    "start_ms": start as f64 / 1e6,
                    "duration_ms": end.saturating_sub(start) as f64 / 1e6,
                    "span_count": r.get::<_, i64>(6)?,
                    "error_count": r.get::<_, i64>(7)?,
                    "tokens": r.get::<_, Option<i64>>(8)?,
                    "cost": r.get::<_, Option<f64>>(9)?,
                }))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let services: Vec<String> = self
            .conn
            .prepare_cached("SELECT DISTINCT service FROM traces ORDER BY service")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(json!({ "traces": rows, "services": services, "span_total": self.spans }))
    }

    /// One trace: its summary and every span (offsets from the trace start in ms), or `None`.
    ///
    /// ```
    /// let store = rizk_ui::Store::in_memory(Default::default()).unwrap();
    /// assert!(store.trace(&"01".repeat(16)).unwrap().is_none());
    /// ```
    pub fn trace(&self, trace_id: &str) -> Result<Option<Json>, UiError> {
        let summary = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(root_name, first_name), service, start_ns, end_ns, span_count,
                        error_count, tokens, cost FROM traces WHERE trace_id = ?1",
            )?
            .query_row([trace_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<f64>>(7)?,
                ))
            })
            .optional()?;
        let Some((name, service, start, end, count, errors, tokens, cost)) = summary else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT span_id, parent_id, name, kind, service, start_ns, end_ns, status,
                    status_message, attributes, events, tokens, cost
             FROM spans WHERE trace_id = ?1 ORDER BY start_ns, span_id",
        )?;
        let spans = stmt
            .query_map([trace_id], |r| {
                let s: i64 = r.get(5)?;
                let e: i64 = r.get(6)?;
                let attrs: String = r.get(9)?;
                let events: String = r.get(10)?;
                Ok(json!({
                    "span_id": r.get::<_, String>(0)?,
                    "parent_id": r.get::<_, Option<String>>(1)?,
                    "name": r.get::<_, String>(2)?,
                    "kind": r.get::<_, String>(3)?,
                    "service": r.get::<_, String>(4)?,
                    "start_ns": s.to_string(),
                    "offset_ms": s.saturating_sub(start) as f64 / 1e6,
                    "duration_ms": e.saturating_sub(s) as f64 / 1e6,
                    "status": r.get::<_, String>(7)?,
                    "status_message": r.get::<_, String>(8)?,
                    "attributes": serde_json::from_str::<Json>(&attrs).unwrap_or(Json::Null),
                    "events": serde_json::from_str::<Json>(&events).unwrap_or(Json::Null),
                    "tokens": r.get::<_, Option<i64>>(11)?,
                    "cost": r.get::<_, Option<f64>>(12)?,
                }))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(json!({
            "trace_id": trace_id,
            "name": name,
            "service": service,
            "start_ns": start.to_string(),
            "start_ms": start as f64 / 1e6,
            "duration_ms": end.saturating_sub(start) as f64 / 1e6,
            "span_count": count,
            "error_count": errors,
            "tokens": tokens,
            "cost": cost,
            "spans": spans,
        })))
    }
}
