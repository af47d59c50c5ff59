//! Reading, planning and writing a whole tree. Every file is planned
//! before any is written, so a refusal anywhere leaves every file as it was.

use std::sync::atomic::{AtomicUsize, Ordering};

use gantry_manifest::{FileOptions, FilePlan, Site, Update};

use crate::collect::Input;
use crate::error::FilesError;

/// A file the updates change or found already up to date.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The file.
    pub input: Input,
    /// Its text before.
    pub original: String,
    /// What changes.
    pub plan: FilePlan,
}

/// The outcome of planning a tree.
#[derive(Debug, Default)]
pub struct TreePlan {
    /// Files with changes or with sites already up to date, in input order.
    pub files: Vec<Planned>,
    /// Files that could not be planned; when any, nothing may be written.
    pub errors: Vec<FilesError>,
    /// Files read.
    pub read: usize,
    /// Bytes read.
    pub bytes: u64,
}

impl TreePlan {
    /// Whether any file changes.
    pub fn changed(&self) -> bool {
        self.files.iter().any(|f| f.plan.output.is_some())
    }
}

/// Read a file as text: refuse anything but a regular file, binary (NUL
/// bytes) and non-UTF-8 content.
pub fn read_text(input: &Input) -> Result<String, FilesError> {
    // Checked again here, not only when collecting: the file may have been
    // swapped for a FIFO since.
    crate::guard::require_regular(&input.path, &input.display)?;
    let bytes = std::fs::read(&input.path).map_err(|error| FilesError::Unreadable {
        path: input.display.clone(),
        error,
    })?;
    if bytes.contains(&0) {
        return Err(FilesError::Binary {
            path: input.display.clone(),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let error = gantry_yaml::decode(e.as_bytes())
            .err()
            .unwrap_or(gantry_yaml::Error::NotUtf8 { line: 1, column: 1 });
        FilesError::Plan {
            path: input.display.clone(),
            error: error.into(),
        }
    })
}

fn file_name(input: &Input) -> String {
    input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Plan `updates` over `inputs`, in parallel. Files that cannot contain an
/// update's image are not parsed (see `gantry_manifest::may_contain`).
pub fn plan_tree(inputs: &[Input], updates: &[Update], options: &FileOptions) -> TreePlan {
    let results = par_map(inputs, |input| {
        let src = read_text(input)?;
        let bytes = src.len() as u64;
        let options = FileOptions {
            add_to_kustomization: input.explicit,
            ..options.clone()
        };
        if !gantry_manifest::may_contain(&src, updates, &options) {
            return Ok((bytes, None));
        }
        let plan = gantry_manifest::plan_file(&file_name(input), &src, updates, &options).map_err(
            |source| FilesError::Plan {
                path: input.display.clone(),
                error: source,
            },
        )?;
        let keep = plan.output.is_some() || !plan.matched.is_empty() || !plan.notes.is_empty();
        Ok((
            bytes,
            keep.then(|| Planned {
                input: input.clone(),
                original: src,
                plan,
            }),
        ))
    });
    let mut out = TreePlan::default();
    if results.len() != inputs.len() {
        out.errors.push(worker_lost());
    }
    for result in results {
        match result {
            Ok((bytes, planned)) => {
                out.read += 1;
                out.bytes += bytes;
                out.files.extend(planned);
            }
            Err(e) => out.errors.push(e),
        }
    }
    out
}

/// Write every changed file of `plan` atomically (keeping its mode).
/// Refuses when the plan has errors. Returns the number of files written.
pub fn write_tree(plan: &TreePlan) -> Result<usize, FilesError> {
    if let Some(first) = plan.errors.first() {
        return Err(FilesError::Walk {
            path: first
                .location()
                .map(|(p, _)| p.to_owned())
                .unwrap_or_default(),
            reason: "not writing: the plan has errors".to_owned(),
        });
    }
    let changed: Vec<&Planned> = plan
        .files
        .iter()
        .filter(|f| f.plan.output.is_some())
        .collect();
    // Each write ends in an fsync, which waits on the disk, not the CPU:
    // writing from several threads lets the journal commit them together.
    let results = par_map_with(&changed, WRITE_THREADS, |file| {
        let output = file.plan.output.as_deref().unwrap_or_default();
        gantry_yaml::write_atomic(&file.input.path, output.as_bytes()).map_err(|error| {
            FilesError::Write {
                path: file.input.display.clone(),
                error,
            }
        })?;
        tracing::debug!(file = %file.input.display, "written");
        Ok(())
    });
    if results.len() != changed.len() {
        return Err(worker_lost());
    }
    let written = results.iter().filter(|r| r.is_ok()).count();
    match results.into_iter().find_map(Result::err) {
        Some(error) => Err(error),
        None => Ok(written),
    }
}

/// Threads that write (and fsync) files at once.
const WRITE_THREADS: usize = 16;

/// Every image site of every input, for `list` and `audit`.
pub fn scan_tree(
    inputs: &[Input],
    options: &FileOptions,
) -> (Vec<(Input, Vec<Site>)>, Vec<FilesError>) {
    let results = par_map(inputs, |input| {
        let src = read_text(input)?;
        gantry_manifest::scan(&src, &file_name(input), options)
            .map(|sites| (input.clone(), sites))
            .map_err(|source| FilesError::Plan {
                path: input.display.clone(),
                error: source,
            })
    });
    let mut found = Vec::new();
    let mut errors = Vec::new();
    if results.len() != inputs.len() {
        errors.push(worker_lost());
    }
    for result in results {
        match result {
            Ok(file) => found.push(file),
            Err(e) => errors.push(e),
        }
    }
    (found, errors)
}

fn worker_lost() -> FilesError {
    FilesError::Walk {
        path: String::new(),
        reason: "internal error: a worker thread stopped; nothing was written".to_owned(),
    }
}

/// `f` over `items` on every core, results in input order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    par_map_with(items, cores.min(16), f)
}

/// [`par_map`] on `threads` threads.
fn par_map_with<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let workers = threads.min(items.len().max(1));
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            break;
                        };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        // A worker only panics on a bug; its items are then missing, and
        // the callers turn a short result into an error.
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut all: Vec<(usize, R)> = parts.drain(..).flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}
