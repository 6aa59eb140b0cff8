//! The files `scan` reads: walked as ripgrep walks them (the `ignore`
//! crate, ripgrep's own walker, a thread per core), each opened without
//! blocking and read only when it is a regular file, streamed through the
//! core's matcher; and how a path is shown.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ignore::{WalkBuilder, WalkState};
use zeroize::Zeroizing;

use crate::core::scan::{CHUNK, Hit, Matcher};
use crate::text;

/// Which files a walk takes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// No ignore file and no hidden-file rule applies.
    pub no_ignore: bool,
    /// Hidden files and directories are taken, ignore files still apply.
    pub hidden: bool,
}

/// The tokens found in one input.
#[derive(Debug)]
pub struct FileHits {
    /// The input as it is shown (see [`shown`]).
    pub path: String,
    /// The path as JSON and SARIF carry it: lossy UTF-8, tokens masked,
    /// nothing escaped (JSON escapes what it must).
    pub raw: String,
    /// What was found, in order.
    pub hits: Vec<Hit>,
}

/// How much a walk read.
#[derive(Debug, Default)]
pub struct Totals {
    /// Files read to their end (binary ones not counted).
    pub files: AtomicU64,
    /// Their bytes.
    pub bytes: AtomicU64,
}

/// The name stdin goes by in findings, as ripgrep calls it.
pub const STDIN: &str = "<stdin>";

/// Every token in the files under `paths`, each file's in order, files in
/// no particular order. What cannot be read is handed to `note` and the
/// walk goes on. `strip_dot`: the paths were not given (the walk is of
/// `.`), so `./` is left off the front of each, as ripgrep does.
pub fn walk(
    paths: &[PathBuf],
    strip_dot: bool,
    options: Options,
    matcher: &Matcher,
    totals: &Totals,
    note: &(dyn Fn(String) + Sync),
) -> Vec<FileHits> {
    let Some((first, rest)) = paths.split_first() else {
        return Vec::new();
    };
    let mut builder = WalkBuilder::new(first);
    for p in rest {
        builder.add(p);
    }
    builder
        .standard_filters(!options.no_ignore)
        .hidden(!(options.no_ignore || options.hidden))
        .follow_links(false)
        .threads(0);
    let found = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        let mut buf = Zeroizing::new(vec![0u8; CHUNK]);
        let found = &found;
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    note(walk_error(&e));
                    return WalkState::Continue;
                }
            };
            let path = entry.path();
            let given = entry.depth() == 0;
            let kind = entry.file_type();
            // A link met in the walk is not followed, as ripgrep does; a
            // path given is (the open below follows it and checks what
            // it is).
            let take = kind.is_some_and(|k| k.is_file() || (given && k.is_symlink()));
            if kind.is_some_and(|k| k.is_dir()) {
                return WalkState::Continue;
            }
            if !take {
                if given {
                    note(format!(
                        "{}: not a regular file; skipped",
                        shown(path, strip_dot)
                    ));
                }
                return WalkState::Continue;
            }
            match scan_file(path, matcher, &mut buf, totals, given) {
                Ok(Some(hits)) if !hits.is_empty() => {
                    let file = FileHits {
                        path: shown(path, strip_dot),
                        raw: raw(path, strip_dot),
                        hits,
                    };
                    found
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(file);
                }
                Ok(_) => {}
                Err(Skip::NotRegular) if given => note(format!(
                    "{}: not a regular file; skipped",
                    shown(path, strip_dot)
                )),
                Err(Skip::NotRegular) => {}
                Err(Skip::Io(e)) => note(format!("cannot read {}: {e}", shown(path, strip_dot))),
            }
            WalkState::Continue
        })
    });
    found
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every token on stdin, streamed, binary or not: stdin is given, as a
/// file named on the command line is.
pub fn stdin(matcher: &Matcher, totals: &Totals) -> io::Result<FileHits> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned()?;
    let mut input = File::from(fd);
    let mut buf = Zeroizing::new(vec![0u8; CHUNK]);
    let mut counted = Counted {
        inner: &mut input,
        bytes: 0,
    };
    let hits = matcher
        .scan(&mut counted, &mut buf, true)?
        .unwrap_or_default();
    totals.bytes.fetch_add(counted.bytes, Ordering::Relaxed);
    totals.files.fetch_add(1, Ordering::Relaxed);
    Ok(FileHits {
        path: STDIN.to_owned(),
        raw: STDIN.to_owned(),
        hits,
    })
}

/// Why a file was not read.
enum Skip {
    /// A FIFO, a device, a socket, a directory behind a link.
    NotRegular,
    /// It could not be opened or read.
    Io(io::Error),
}

/// The tokens in one file; `None` when it is binary. Opened without
/// blocking, so a FIFO cannot hang the walk, and read only when the open
/// file is regular (what the walk saw may have been swapped since).
fn scan_file(
    path: &Path,
    matcher: &Matcher,
    buf: &mut Zeroizing<Vec<u8>>,
    totals: &Totals,
    given: bool,
) -> Result<Option<Vec<Hit>>, Skip> {
    let nonblocking = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(nonblocking.bits() as i32)
        .open(path)
        .map_err(Skip::Io)?;
    let meta = file.metadata().map_err(Skip::Io)?;
    if !meta.file_type().is_file() {
        return Err(Skip::NotRegular);
    }
    // The bytes read, not the size at open: a file may grow or shrink
    // meanwhile, and /proc's files say 0.
    let mut counted = Counted {
        inner: &mut file,
        bytes: 0,
    };
    let hits = matcher.scan(&mut counted, buf, given).map_err(Skip::Io)?;
    if hits.is_some() {
        totals.files.fetch_add(1, Ordering::Relaxed);
        totals.bytes.fetch_add(counted.bytes, Ordering::Relaxed);
    }
    Ok(hits)
}

/// A reader that counts its bytes.
struct Counted<'a> {
    inner: &'a mut dyn io::Read,
    bytes: u64,
}

impl io::Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A walk's error as a note, its path shown as paths are.
fn walk_error(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { path, err } => {
            format!("cannot read {}: {}", shown(path, false), inner(err))
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err)
        }
        other => text::escape(&other.to_string()).into_owned(),
    }
}

fn inner(e: &ignore::Error) -> String {
    match e {
        ignore::Error::Io(io) => io.to_string(),
        other => text::escape(&other.to_string()).into_owned(),
    }
}

/// A path as the human output and notes show it: as given or walked
/// (without `./` when no path was given), lossy where it is not UTF-8,
/// anything like a secret in it masked, and invisible or control
/// characters escaped, so a file name cannot forge a line.
pub fn shown(path: &Path, strip_dot: bool) -> String {
    text::escape(&raw(path, strip_dot)).into_owned()
}

/// A path as JSON carries it: [`shown`] without the escaping.
pub fn raw(path: &Path, strip_dot: bool) -> String {
    let path = if strip_dot {
        path.strip_prefix(".").unwrap_or(path)
    } else {
        path
    };
    let lossy = path.to_string_lossy();
    // Anything like a secret is masked by the rule of every message
    // (`text::redact`): a token of any prefix, typo or not, whatever
    // stands next to it, and any long run of base62. In a file name the
    // checksum must not decide: a secret with a letter after it, or
    // mistyped, is still the secret.
    text::redact(&lossy).into_owned()
}
