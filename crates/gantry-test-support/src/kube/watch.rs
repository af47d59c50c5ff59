//! WATCH: a chunked stream of newline-delimited
//! `{"type": "ADDED|MODIFIED|DELETED|BOOKMARK|ERROR", "object": …}`,
//! read from the store's change log, as the API server streams it.

use std::collections::BTreeMap;
use std::io::{self, BufReader, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::api::{ListOptions, shaped};
use super::conn::Conn;
use super::http::peer_closed;
use super::resources::Resource;
use super::router::ObjectRoute;
use super::shared::{Shared, lock};
use super::status::ApiError;
use super::store::{Change, LogEntry};
use super::table;

/// How long a watch waits for a change before checking the client and
/// its deadline.
const WAIT: Duration = Duration::from_millis(100);

/// A parsed watch request.
#[derive(Debug, Clone)]
pub(crate) struct WatchRequest {
    pub resource: &'static Resource,
    pub version: String,
    pub namespace: Option<String>,
    pub options: ListOptions,
    /// Start after this resourceVersion; `None` (unset or `0`): start
    /// with synthetic `ADDED` events for what exists now.
    pub resource_version: Option<u64>,
    pub timeout: Option<Duration>,
    pub bookmarks: bool,
    /// `sendInitialEvents=true`: synthetic `ADDED`s, then a bookmark
    /// annotated `k8s.io/initial-events-end`.
    pub initial_events: bool,
    /// Objects printed as one-row `Table`s (`kubectl get -w`).
    pub table: bool,
}

impl WatchRequest {
    /// From the route and the query.
    pub(crate) fn parse(
        route: &ObjectRoute,
        query: &BTreeMap<String, String>,
        options: ListOptions,
    ) -> Result<Self, ApiError> {
        let resource_version = match query.get("resourceVersion").map(String::as_str) {
            None | Some("") | Some("0") => None,
            Some(rv) => Some(rv.parse::<u64>().map_err(|_| {
                ApiError::bad_request(&format!(
                    "resourceVersion: Invalid value: {rv:?}: must be an integer"
                ))
            })?),
        };
        let timeout = match query.get("timeoutSeconds").map(String::as_str) {
            None | Some("") => None,
            Some(t) => Some(Duration::from_secs(t.parse::<u64>().map_err(|_| {
                ApiError::bad_request(&format!(
                    "timeoutSeconds: Invalid value: {t:?}: must be an integer"
                ))
            })?)),
        };
        let initial_events = query.get("sendInitialEvents").map(String::as_str) == Some("true");
        Ok(WatchRequest {
            resource: route.resource,
            version: route.version.clone(),
            namespace: route.namespace.clone(),
            options,
            resource_version,
            timeout,
            bookmarks: query.get("allowWatchBookmarks").map(String::as_str) == Some("true"),
            initial_events,
            table: false,
        })
    }

    fn wants(&self, entry: &LogEntry) -> bool {
        entry.kind == self.resource.kind
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| ns == entry.namespace)
    }

    /// What this watch sees of one change, after its selectors.
    fn event(&self, entry: &LogEntry) -> Option<Value> {
        if !self.wants(entry) {
            return None;
        }
        let now = self.options.selects(&entry.object);
        let before = entry
            .previous
            .as_ref()
            .is_some_and(|p| self.options.selects(p));
        let kind = match (entry.change, before, now) {
            (Change::Added, _, true) => "ADDED",
            (Change::Modified, true, true) => "MODIFIED",
            (Change::Modified, false, true) => "ADDED",
            (Change::Modified, true, false) => "DELETED",
            (Change::Deleted, _, true) => "DELETED",
            _ => return None,
        };
        Some(self.frame(kind, entry.object.clone()))
    }

    fn frame(&self, kind: &str, object: Value) -> Value {
        let object = shaped(self.resource, &self.version, object);
        if self.table && kind != "BOOKMARK" {
            return json!({"type": kind, "object": table::of_object(self.resource, &object)});
        }
        json!({"type": kind, "object": object})
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Value {
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        self.frame("BOOKMARK", json!({"metadata": metadata}))
    }
}

fn chunk(stream: &mut Conn, frame: &Value) -> io::Result<()> {
    let mut line = frame.to_string();
    line.push('\n');
    write!(stream, "{:x}\r\n{line}\r\n", line.len())?;
    stream.flush()
}

/// Stream `watch` on `stream` until its timeout, the client leaving, or
/// the fake stopping. The connection is closed afterwards.
pub(crate) fn stream(
    reader: &mut BufReader<Conn>,
    shared: &Shared,
    watch: &WatchRequest,
    stop: &AtomicBool,
) -> io::Result<()> {
    let deadline = watch.timeout.map(|t| Instant::now() + t);
    let (mut cursor, initial, expired) = {
        let cluster = lock(&shared.cluster);
        let store = &cluster.store;
        match watch.resource_version {
            Some(rv) if rv < store.compacted() => (
                rv,
                Vec::new(),
                Some(ApiError::expired(rv, store.compacted())),
            ),
            Some(rv) if !watch.initial_events => (rv, Vec::new(), None),
            _ => {
                let initial: Vec<Value> = store
                    .list(watch.resource.kind, watch.namespace.as_deref())
                    .into_iter()
                    .filter(|o| watch.options.selects(o))
                    .map(|o| watch.frame("ADDED", o.clone()))
                    .collect();
                (store.rv(), initial, None)
            }
        }
    };
    reader.get_mut().write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    )?;
    if let Some(error) = expired {
        chunk(
            reader.get_mut(),
            &json!({"type": "ERROR", "object": error.body}),
        )?;
        return finish(reader.get_mut());
    }
    for frame in &initial {
        chunk(reader.get_mut(), frame)?;
    }
    if watch.initial_events && watch.bookmarks {
        chunk(reader.get_mut(), &watch.bookmark(cursor, true))?;
    }
    loop {
        if stop.load(Ordering::SeqCst) {
            return finish(reader.get_mut());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            if watch.bookmarks {
                chunk(reader.get_mut(), &watch.bookmark(cursor, false))?;
            }
            return finish(reader.get_mut());
        }
        let (frames, gone) = {
            let mut cluster = lock(&shared.cluster);
            if cluster.store.rv() <= cursor {
                let wait = deadline.map_or(WAIT, |d| {
                    d.saturating_duration_since(Instant::now()).min(WAIT)
                });
                cluster = shared
                    .changed
                    .wait_timeout(cluster, wait)
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|poisoned| poisoned.into_inner().0);
            }
            match cluster.store.changes_after(cursor) {
                Ok(entries) => {
                    let frames: Vec<Value> =
                        entries.iter().filter_map(|e| watch.event(e)).collect();
                    cursor = entries.last().map_or(cursor, |e| e.rv);
                    (frames, None)
                }
                Err(compacted) => (Vec::new(), Some(ApiError::expired(cursor, compacted))),
            }
        };
        if let Some(error) = gone {
            chunk(
                reader.get_mut(),
                &json!({"type": "ERROR", "object": error.body}),
            )?;
            return finish(reader.get_mut());
        }
        if frames.is_empty() && peer_closed(reader) {
            return Ok(());
        }
        for frame in &frames {
            chunk(reader.get_mut(), frame)?;
        }
    }
}

fn finish(stream: &mut Conn) -> io::Result<()> {
    stream.write_all(b"0\r\n\r\n")?;
    stream.flush()
}
