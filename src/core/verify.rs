//! The verify engine, for every front end: one presented token, or a stream
//! of them answered in groups from one read snapshot each, with use recorded
//! at most once a minute per token; and the line reader that keeps what it
//! reads in memory it wipes.

use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io::{self, BufRead, Read};
use std::os::fd::AsFd;
use std::sync::mpsc;

use zeroize::{Zeroize, Zeroizing};

use crate::core::error::{Error, Result, runtime};
use crate::core::id::TokenId;
use crate::core::model::{Found, Verdict};
use crate::core::rules::{self, USE_INTERVAL, Wanted};
use crate::core::token::{self, Presented, TokenHash};
use crate::store::{CommitMark, Store};
use crate::time::{self, Epoch};

/// Longer input cannot be a token; it is read to its end of line and
/// answered `malformed`, without being kept in memory.
pub const MAX_LINE: usize = 4096;
/// Uses recorded by a batch are written in transactions of about this many.
const USE_BATCH: usize = 4096;
/// Bytes of input read at a time by a batch; one token needs far less
/// (and the buffer is wiped when dropped, so its size costs every verify).
const INPUT_BUF: usize = 64 * 1024;
const INPUT_BUF_ONE: usize = 2 * MAX_LINE;
/// A batch answers at most this many buffered lines from one read
/// snapshot: a few milliseconds' worth, and at most about 2 MiB of answers
/// held in memory. Each group costs a snapshot and a handful of hand-offs
/// between threads; at 4,096 instead of 1,024 a long batch took 9% less
/// CPU time.
const SNAPSHOT_LINES: usize = 4096;
/// Tokens a batch keeps what it found for, at most (a few hundred bytes
/// each); as many as `serve` keeps.
const KEPT: usize = 65_536;

/// Checks one presented token and records its use when it is valid.
pub fn verify(
    store: &mut dyn Store,
    presented: &str,
    wanted: &Wanted<'_>,
    now: Epoch,
) -> Result<Verdict> {
    let Some(hash) = hash_of(presented) else {
        return Ok(rules::malformed());
    };
    let mut found = Vec::with_capacity(1);
    store.lookup(std::slice::from_ref(&hash), &mut found)?;
    judge(found.pop().flatten(), wanted, now, &mut |id| {
        Ok(store.record_use(&[id], now, now - USE_INTERVAL)? > 0)
    })
}

/// The verdict on what the lookup of a well-formed token found; a valid
/// token whose use is due to be recorded is handed to `note`, which
/// records it (or queues it, as the server does) and says whether it did.
pub fn judge(
    found: Option<crate::core::model::Found>,
    wanted: &Wanted<'_>,
    now: Epoch,
    note: &mut dyn FnMut(TokenId) -> Result<bool>,
) -> Result<Verdict> {
    let mut verdict = rules::verdict(found, wanted, now);
    if let Some(t) = verdict.token.as_mut().filter(|_| verdict.reason.is_none()) {
        if rules::needs_use_recorded(t, now) && note(t.id)? {
            t.last_used_at = Some(now);
        }
    }
    Ok(verdict)
}

/// The hash a well-formed token is looked up by; `None` when it is
/// malformed (wrong shape or checksum), which needs no lookup. A token of
/// another prefix is well formed, and simply not found.
pub fn hash_of(presented: &str) -> Option<TokenHash> {
    token::parse(presented)?;
    Some(token::hash(presented))
}

/// Where a batch's answers go.
pub trait Answers {
    /// One group of answers, JSON Lines, in input order.
    fn write(&mut self, answers: &[u8]) -> Result<()>;
    /// Everything written so far must reach the reader: the batch is about
    /// to wait for input.
    fn flush(&mut self) -> Result<()>;
}

/// Answers every line of `input`, in order, as JSON Lines, in groups: the
/// lines already read (at most [`SNAPSHOT_LINES`]) are looked up together
/// ([`Store::lookup`]: one read snapshot, or parts in snapshots begun one
/// after another) and judged, each line reading the clock, so no token is
/// accepted after its expiry.
///
/// Three threads share the work, so that a long batch keeps more than one
/// core busy: one reads and hashes the lines, this one looks them up and
/// judges them, one writes the answers. A group is handed to the writer
/// only after its snapshots have ended, so a reader that stalls never keeps
/// a snapshot open (which would keep SQLite from reusing its `-wal` file).
/// When reading the line after a group would wait for input, the uses seen
/// so far are recorded and every answer flushed before the next one is
/// looked at, so a caller that sends one token and waits for its answer
/// gets it.
pub fn batch(
    store: &mut dyn Store,
    input: Input,
    wanted: &Wanted<'_>,
    out: &mut (dyn Answers + Send),
) -> Result<()> {
    let (read, to_judge) = mpsc::sync_channel(1);
    let (emptied, reused) = mpsc::sync_channel(2);
    // Not joined when the batch fails: it may be waiting for input that
    // never comes, and the process is about to exit with the error. Its
    // buffers are then not wiped, as they are when it ends; they go with
    // the process, which no other process may read or dump meanwhile
    // (see `guard::protect`).
    let reader = std::thread::Builder::new()
        .name("lines".into())
        .spawn(move || read_groups(input, &read, &reused))
        .map_err(cannot_start)?;
    std::thread::scope(|s| {
        let (groups, to_write) = mpsc::sync_channel(1);
        let (written, spent) = mpsc::sync_channel(2);
        let writer = std::thread::Builder::new()
            .name("answers".into())
            .spawn_scoped(s, move || write_answers(&to_write, out, &written))
            .map_err(cannot_start)?;
        let lines = Lines {
            groups: to_judge,
            emptied,
        };
        let judged = judge_all(store, wanted, &lines, &Writer { groups, spent });
        let wrote = writer
            .join()
            .unwrap_or_else(|_| Err(runtime("the thread writing answers panicked")));
        // A judging error first: the writer may have failed only after it,
        // flushing what it held. Then the writer's: judging stops early
        // only when the writer has.
        if !judged? {
            wrote?;
            return Err(runtime("the thread writing answers stopped"));
        }
        wrote?;
        // All input was taken: the reader has ended, or is about to.
        reader
            .join()
            .unwrap_or_else(|_| Err(runtime("the thread reading lines panicked")))
    })
}

fn cannot_start(e: io::Error) -> Error {
    runtime(format!("cannot start a thread for the batch: {e}"))
}

/// A group of lines as read: each one's hash (`None`: malformed), and
/// whether reading the line after it may wait for input.
struct Group {
    hashes: Vec<Option<TokenHash>>,
    then_waits: bool,
}

/// The reading side's ends, as the judging side holds them.
struct Lines {
    groups: mpsc::Receiver<Group>,
    emptied: mpsc::SyncSender<Vec<Option<TokenHash>>>,
}

/// The reading side of a batch: groups of the lines that can be read
/// without waiting (see [`Input::line_ready`]), each line hashed as soon as
/// it is read, its plaintext wiped then. Ends at
/// end of input, or when the judging side has stopped.
fn read_groups(
    mut input: Input,
    groups: &mpsc::SyncSender<Group>,
    reused: &mpsc::Receiver<Vec<Option<TokenHash>>>,
) -> Result<()> {
    let mut line = Presented::new(String::new());
    let mut scratch = Zeroizing::new(Vec::with_capacity(MAX_LINE));
    loop {
        let mut hashes = reused
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(SNAPSHOT_LINES));
        hashes.clear();
        let mut eof = false;
        while hashes.len() < SNAPSHOT_LINES {
            // Only the first line of a group may wait for input.
            if !hashes.is_empty() && !input.line_ready() {
                break;
            }
            let Some(ok) = read_line(&mut input, &mut line, &mut scratch)? else {
                eof = true;
                break;
            };
            hashes.push(if ok { hash_of(line.trimmed()) } else { None });
            line.clear();
        }
        let then_waits = !eof && !input.line_ready();
        if !hashes.is_empty() && groups.send(Group { hashes, then_waits }).is_err() {
            return Ok(());
        }
        if eof {
            return Ok(());
        }
    }
}

/// A group's verdicts, each with the time it was judged at.
type Judged = Vec<(Verdict, Epoch)>;

/// What the judging thread hands the writing one.
enum ToWrite {
    Group(Judged),
    /// Every answer so far must reach the reader now.
    Flush,
}

/// The judging side's ends of the channels to the writing thread: groups
/// and flushes go one way; the emptied vectors (to be filled again) and
/// the acknowledgment of each flush come back.
struct Writer {
    groups: mpsc::SyncSender<ToWrite>,
    spent: mpsc::Receiver<Option<Judged>>,
}

impl Writer {
    /// `false` when the writer has stopped (its error says why).
    fn send(&self, group: Judged) -> bool {
        self.groups.send(ToWrite::Group(group)).is_ok()
    }

    /// Waits until every answer sent has been written and flushed; `false`
    /// when the writer has stopped.
    fn flush(&self) -> bool {
        if self.groups.send(ToWrite::Flush).is_err() {
            return false;
        }
        loop {
            match self.spent.recv() {
                Ok(Some(_)) => {}
                Ok(None) => return true,
                Err(_) => return false,
            }
        }
    }

    /// An empty vector for the next group, reused when one has come back.
    fn next_group(&self) -> Judged {
        match self.spent.try_recv() {
            Ok(Some(v)) => v,
            _ => Vec::with_capacity(SNAPSHOT_LINES),
        }
    }
}

/// The judging side of a batch: looks up, judges, records uses. `Ok(true)`
/// when every line read was judged; `Ok(false)` when it stopped early
/// because the writer had (whose error then says why).
fn judge_all(
    store: &mut dyn Store,
    wanted: &Wanted<'_>,
    lines: &Lines,
    writer: &Writer,
) -> Result<bool> {
    let mut hashes: Vec<TokenHash> = Vec::with_capacity(SNAPSHOT_LINES);
    let mut found = Vec::with_capacity(SNAPSHOT_LINES);
    let mut kept = Kept::default();
    let mut valid: Vec<(TokenId, Epoch)> = Vec::new();
    let mut pending: Vec<TokenId> = Vec::new();
    // When this process last recorded each token's use.
    let mut recorded: HashMap<TokenId, Epoch> = HashMap::new();
    let read_only = store.read_only();
    for group in &lines.groups {
        kept.look_up(store, &group.hashes, &mut hashes, &mut found)?;
        let mut judged = writer.next_group();
        valid.clear();
        let mut found_iter = found.drain(..);
        for lookup in &group.hashes {
            let now = time::now();
            let verdict = match lookup {
                Some(_) => rules::verdict(found_iter.next().flatten(), wanted, now),
                None => rules::malformed(),
            };
            if let Some(t) = verdict.token.as_ref().filter(|_| verdict.valid()) {
                if !read_only && rules::needs_use_recorded(t, now) {
                    valid.push((t.id, now));
                }
            }
            judged.push((verdict, now));
        }
        drop(found_iter);
        let _ = lines.emptied.try_send(group.hashes);
        for &(id, now) in &valid {
            if rules::use_due(recorded.get(&id).copied(), now) {
                recorded.insert(id, now);
                pending.push(id);
            }
        }
        if !writer.send(judged) {
            return Ok(false);
        }
        if group.then_waits || pending.len() >= USE_BATCH {
            record(store, &mut pending)?;
        }
        if group.then_waits && !writer.flush() {
            return Ok(false);
        }
    }
    record(store, &mut pending)?;
    Ok(true)
}

/// What a batch's lookups found, by hash, kept while the database's
/// [`CommitMark`] reads as it did when they were made: a token presented
/// again (a proxy's co-process sees the same few all day) is then judged
/// without a lookup, from exactly what a lookup would find. A token that
/// was not found is never kept (a new one works at once, and random
/// input cannot fill the memory); at most [`KEPT`] are.
#[derive(Default)]
struct Kept {
    mark: Option<CommitMark>,
    /// Boxed, so that the table a probe walks stays small.
    found: HashMap<TokenHash, Box<Found>, BuildHasherDefault<ByHash>>,
    /// Per well-formed line of the group: what was kept for it, if
    /// anything (`None`: it is looked up).
    reused: Vec<Option<Found>>,
    /// What the lookup of the others found.
    looked: Vec<Option<Found>>,
}

impl Kept {
    /// Fills `found` with what the lookup of each well-formed line of a
    /// group finds, in order, as one [`Store::lookup`] of them all would:
    /// the kept answers are used only if the mark reads the same before
    /// and after the lookup of the rest, when they and the lookup's
    /// snapshots all saw the database as it was at that mark; otherwise
    /// the group is looked up whole.
    fn look_up(
        &mut self,
        store: &mut dyn Store,
        group: &[Option<TokenHash>],
        hashes: &mut Vec<TokenHash>,
        found: &mut Vec<Option<Found>>,
    ) -> Result<()> {
        let mark = store.commit_mark();
        if mark.is_none() || mark != self.mark {
            self.found.clear();
            self.mark = mark;
        }
        hashes.clear();
        self.reused.clear();
        for hash in group.iter().flatten() {
            let kept = self.found.get(hash).map(|f| Found::clone(f));
            if kept.is_none() {
                hashes.push(*hash);
            }
            self.reused.push(kept);
        }
        if hashes.len() == self.reused.len() {
            // Nothing kept: what the lookup finds is the answer, in order.
            store.lookup(hashes, found)?;
            if self.mark.is_some() {
                let looked = group.iter().flatten().zip(found.iter());
                keep(&mut self.found, looked);
            }
            return Ok(());
        }
        store.lookup(hashes, &mut self.looked)?;
        if store.commit_mark() != mark {
            self.found.clear();
            self.mark = None;
            hashes.clear();
            hashes.extend(group.iter().flatten());
            return store.lookup(hashes, found);
        }
        found.clear();
        let mut looked = self.looked.drain(..);
        for kept in self.reused.drain(..) {
            found.push(match kept {
                Some(f) => Some(f),
                None => looked.next().flatten(),
            });
        }
        drop(looked);
        let looked = group.iter().flatten().zip(found.iter());
        keep(&mut self.found, looked);
        Ok(())
    }
}

/// Keeps what was found for hashes not kept yet, while there is room.
fn keep<'a>(
    kept: &mut HashMap<TokenHash, Box<Found>, BuildHasherDefault<ByHash>>,
    looked: impl Iterator<Item = (&'a TokenHash, &'a Option<Found>)>,
) {
    for (hash, f) in looked {
        if kept.len() >= KEPT {
            return;
        }
        if let Some(f) = f {
            kept.entry(*hash).or_insert_with(|| Box::new(f.clone()));
        }
    }
}

/// Hashes a [`TokenHash`] by its first eight bytes: it is a SHA-256 of a
/// secret already, as even as any hash of it would be, and only hashes of
/// tokens found (not input) are ever kept, so nobody can choose them.
#[derive(Default)]
struct ByHash(u64);

impl std::hash::Hasher for ByHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }
}

/// The writing side of a batch: each group's answers as JSON Lines, then
/// its vector back, emptied (and its verdicts dropped here, off the
/// judging thread). Flushes at the end of input.
fn write_answers(
    groups: &mpsc::Receiver<ToWrite>,
    out: &mut (dyn Answers + Send),
    spent: &mpsc::SyncSender<Option<Judged>>,
) -> Result<()> {
    let mut answers: Vec<u8> = Vec::with_capacity(SNAPSHOT_LINES * 512);
    for job in groups {
        match job {
            ToWrite::Group(mut judged) => {
                answers.clear();
                for (verdict, now) in judged.drain(..) {
                    verdict.write_json(&mut answers, now);
                    answers.push(b'\n');
                }
                out.write(&answers)?;
                // A full channel: the judging side has vectors enough.
                let _ = spent.try_send(Some(judged));
            }
            ToWrite::Flush => {
                out.flush()?;
                if spent.send(None).is_err() {
                    break;
                }
            }
        }
    }
    out.flush()
}

fn record(store: &mut dyn Store, pending: &mut Vec<TokenId>) -> Result<()> {
    if !pending.is_empty() {
        let now = time::now();
        store.record_use(pending, now, now - USE_INTERVAL)?;
        pending.clear();
    }
    Ok(())
}

/// Reads one line into `line`: `None` at end of input, `Some(false)` for a
/// line that cannot be a token (too long, not UTF-8). `bytes` is scratch
/// space of `MAX_LINE` bytes, wiped when dropped; it never grows, so no
/// copy of a secret is left behind in memory given back unwiped. (`line`
/// may grow, but only right after `clear` has wiped it.)
pub fn read_line(
    input: &mut impl BufRead,
    line: &mut Presented,
    bytes: &mut Zeroizing<Vec<u8>>,
) -> Result<Option<bool>> {
    line.clear();
    bytes.clear();
    let mut fits = true;
    let mut any = false;
    loop {
        let chunk = input.fill_buf().map_err(read_error)?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..=i], true),
            None => (chunk, false),
        };
        if fits && bytes.len() + part.len() <= MAX_LINE {
            bytes.extend_from_slice(part);
        } else {
            fits = false;
        }
        let n = part.len();
        input.consume(n);
        if done {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    let ok = match std::str::from_utf8(bytes) {
        Ok(s) if fits => {
            line.buf().push_str(s);
            true
        }
        _ => false,
    };
    Ok(Some(ok))
}

/// stdin, read through a buffer of this module's own that is wiped when
/// dropped: the standard library's stdin buffer would keep the last
/// presented tokens in memory until the process ends.
pub struct Input {
    inner: Source,
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
    /// The most of `buf` ever filled: what is wiped on drop, since the rest
    /// never held a byte of input (wiping all of a buffer sized for long
    /// lines was 1% of a `verify` process's instructions).
    used: usize,
    /// The end of input was read: not read for again, since a terminal
    /// gives its end (Ctrl-D) only once.
    ended: bool,
    /// An error `line_ready` met reading ahead, for the read that needs
    /// those bytes: the lines before it are answered first.
    failed: Option<io::Error>,
}

/// What an [`Input`] reads: stdin, which can tell whether a read would
/// wait, or another reader, taken to wait whenever its buffer is empty.
enum Source {
    File(File),
    Other(Box<dyn Read + Send>),
}

impl Source {
    /// Whether a read would return at once (with input, an end or an
    /// error). When that cannot be told, it would not.
    fn ready(&self) -> bool {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        let Source::File(file) = self else {
            return false;
        };
        let mut fds = [PollFd::new(file, PollFlags::IN)];
        let now = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        matches!(poll(&mut fds, Some(&now)), Ok(n) if n > 0)
    }

    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let read = match self {
                Source::File(f) => f.read(out),
                Source::Other(r) => r.read(out),
            };
            match read {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                result => return result,
            }
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        self.buf[..self.used].zeroize();
    }
}

impl Input {
    /// stdin, through this reader's own buffer, sized for a batch.
    pub fn stdin() -> Input {
        Input::stdin_with(INPUT_BUF)
    }

    /// stdin, through a buffer sized for one token.
    pub fn stdin_one() -> Input {
        Input::stdin_with(INPUT_BUF_ONE)
    }

    fn stdin_with(size: usize) -> Input {
        // A closed stdin reads as empty, as it does through `io::stdin()`.
        let inner = match io::stdin().as_fd().try_clone_to_owned() {
            Ok(fd) => Source::File(File::from(fd)),
            Err(_) => Source::Other(Box::new(io::empty())),
        };
        Input::with(inner, size)
    }

    fn with(inner: Source, size: usize) -> Input {
        Input {
            inner,
            buf: vec![0; size],
            pos: 0,
            filled: 0,
            used: 0,
            ended: false,
            failed: None,
        }
    }

    /// Whether the next line can be read without waiting for input: it is
    /// buffered whole, or the rest of it is ready to be read (and is, into
    /// the buffer). A batch flushes its answers when it would wait; asked
    /// only of the buffer, it did so at every buffer's end, at every
    /// thousand lines of a stream that never waited. An error reading is
    /// `false`, kept for the next read: what was read before it is
    /// answered, and flushed, first.
    pub fn line_ready(&mut self) -> bool {
        loop {
            if self.buf[self.pos..self.filled].contains(&b'\n') || self.ended {
                return true;
            }
            if self.failed.is_some() || !self.inner.ready() {
                return false;
            }
            // The part of a line read so far moves to the front, and the
            // rest is read after it.
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.pos = 0;
            if self.filled == self.buf.len() {
                // A line longer than the buffer: answered when it ends.
                return false;
            }
            match self.inner.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.ended = true,
                Ok(n) => self.filled += n,
                Err(e) => self.failed = Some(e),
            }
            self.used = self.used.max(self.filled);
        }
    }
}

impl Read for Input {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Input {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.filled && !self.ended {
            self.pos = 0;
            self.filled = 0;
            if let Some(e) = self.failed.take() {
                return Err(e);
            }
            self.filled = self.inner.read(&mut self.buf)?;
            self.ended = self.filled == 0;
            self.used = self.used.max(self.filled);
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.filled);
    }
}

fn read_error(e: io::Error) -> Error {
    Error::Runtime(anyhow::Error::new(e).context("cannot read stdin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `input` line by line through a reader that hands out a few
    /// bytes at a time, as a pipe may; returns each line's outcome.
    fn lines(input: &[u8]) -> Vec<Option<String>> {
        read_all(&mut io::BufReader::with_capacity(7, input))
    }

    /// Each line's outcome, read from `reader` to its end.
    fn read_all(reader: &mut impl BufRead) -> Vec<Option<String>> {
        let mut line = Presented::new(String::new());
        let mut scratch = Zeroizing::new(Vec::with_capacity(MAX_LINE));
        let mut out = Vec::new();
        while let Some(ok) = read_line(reader, &mut line, &mut scratch).unwrap() {
            assert_eq!(scratch.capacity(), MAX_LINE, "the scratch buffer grew");
            out.push(ok.then(|| line.trimmed().to_owned()));
        }
        out
    }

    #[test]
    fn lines_are_read_whole_in_pieces_and_long_ones_refused() {
        let long = "y".repeat(3 * MAX_LINE);
        let input = format!("tok_abc\n\n {long} \nlast");
        assert_eq!(
            lines(input.as_bytes()),
            [
                Some("tok_abc".to_owned()),
                Some(String::new()),
                None,
                Some("last".to_owned())
            ]
        );
        assert_eq!(lines(b"\xff\xfe\n"), [None]);
        assert_eq!(lines(b""), Vec::<Option<String>>::new());
    }

    #[test]
    fn the_input_buffer_passes_everything_through() {
        let data: Vec<u8> = (0..3 * INPUT_BUF as u32).map(|i| (i % 251) as u8).collect();
        let mut input = Input::with(
            Source::Other(Box::new(io::Cursor::new(data.clone()))),
            INPUT_BUF,
        );
        let mut got = Vec::new();
        input.read_to_end(&mut got).unwrap();
        assert_eq!(got, data);
        // Every byte that held input is wiped on drop.
        assert_eq!(input.used, INPUT_BUF);
        let mut short = Input::with(
            Source::Other(Box::new(io::Cursor::new(b"tok_x\n".to_vec()))),
            INPUT_BUF,
        );
        short.read_to_end(&mut got).unwrap();
        assert_eq!(short.used, 6);
    }

    #[test]
    fn a_line_is_ready_only_when_reading_it_cannot_wait() {
        use std::io::Write;
        let (reader, mut writer) = io::pipe().unwrap();
        let mut input = Input::with(
            Source::File(File::from(std::os::fd::OwnedFd::from(reader))),
            8,
        );
        let mut line = Presented::new(String::new());
        let mut scratch = Zeroizing::new(Vec::with_capacity(MAX_LINE));
        let mut next = |input: &mut Input| {
            read_line(input, &mut line, &mut scratch).unwrap();
            line.trimmed().to_owned()
        };
        // Nothing written yet: reading would wait.
        assert!(!input.line_ready());
        writer.write_all(b"tok_1\ntok_2\n").unwrap();
        assert!(input.line_ready());
        assert_eq!(next(&mut input), "tok_1");
        // The buffer holds only part of the second line; the rest is
        // waiting in the pipe, and is read.
        assert!(input.line_ready());
        assert_eq!(next(&mut input), "tok_2");
        assert!(!input.line_ready());
        // Part of a line, its end not written yet.
        writer.write_all(b"tok_3").unwrap();
        assert!(!input.line_ready());
        writer.write_all(b"\n").unwrap();
        assert!(input.line_ready());
        assert_eq!(next(&mut input), "tok_3");
        // More than the buffer holds without an end of line: the line is
        // not ready, however much is waiting.
        writer.write_all(b"0123456789").unwrap();
        assert!(!input.line_ready());
        writer.write_all(b"\nlast").unwrap();
        assert_eq!(next(&mut input), "0123456789");
        assert!(!input.line_ready());
        // The end of input cannot wait either.
        drop(writer);
        assert!(input.line_ready());
        assert_eq!(next(&mut input), "last");
        assert!(input.line_ready());
    }

    /// Reads as a terminal does: its end of input once, then more.
    struct Terminal(Vec<&'static [u8]>);

    impl Read for Terminal {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("read after the end"));
            }
            let next = self.0.remove(0);
            out[..next.len()].copy_from_slice(next);
            Ok(next.len())
        }
    }

    #[test]
    fn the_end_of_input_is_read_once() {
        let typed = Terminal(vec![b"tok_1\ntok_2", b"", b"later\n"]);
        let mut input = Input::with(Source::Other(Box::new(typed)), 64);
        let both = vec![Some("tok_1".to_owned()), Some("tok_2".to_owned())];
        assert_eq!(read_all(&mut input), both);
        assert!(input.line_ready(), "the end cannot wait");
        assert_eq!(read_all(&mut input), Vec::<Option<String>>::new());
    }

    #[test]
    fn an_error_reading_ahead_waits_for_the_read_that_needs_the_bytes() {
        // A directory polls as readable and fails to read (EISDIR).
        let mut input = Input::with(Source::File(File::open("/").unwrap()), 64);
        assert!(!input.line_ready(), "not ready: the group before it ends");
        let mut line = Presented::new(String::new());
        let mut scratch = Zeroizing::new(Vec::with_capacity(MAX_LINE));
        assert!(read_line(&mut input, &mut line, &mut scratch).is_err());
    }

    /// A store whose rows change only when a test says so, and whose
    /// commit mark reads from a script (the last entry repeats).
    struct Scripted {
        rows: HashMap<TokenHash, Found>,
        marks: Vec<Option<u8>>,
        /// How many hashes each lookup asked for.
        asked: Vec<usize>,
    }

    impl Store for Scripted {
        fn name(&self) -> &str {
            "scripted"
        }
        fn prefix(&self) -> &str {
            "tok"
        }
        fn created(&self) -> bool {
            false
        }
        fn read_only(&self) -> bool {
            true
        }
        fn read(
            &mut self,
            _: &mut dyn FnMut(&mut dyn crate::store::Reader) -> Result<()>,
        ) -> Result<()> {
            Err(runtime("not in this test"))
        }
        fn read_once(
            &mut self,
            _: &mut dyn FnMut(&mut dyn crate::store::Reader) -> Result<()>,
        ) -> Result<()> {
            Err(runtime("not in this test"))
        }
        fn write(
            &mut self,
            _: &mut dyn FnMut(&mut dyn crate::store::Writer) -> Result<()>,
        ) -> Result<()> {
            Err(runtime("not in this test"))
        }
        fn lookup(&mut self, hashes: &[TokenHash], found: &mut Vec<Option<Found>>) -> Result<()> {
            self.asked.push(hashes.len());
            found.clear();
            found.extend(hashes.iter().map(|h| self.rows.get(h).cloned()));
            Ok(())
        }
        fn commit_mark(&mut self) -> Option<CommitMark> {
            let next = if self.marks.len() > 1 {
                self.marks.remove(0)
            } else {
                self.marks[0]
            };
            next.map(|b| CommitMark([b; crate::store::sqlite::wal::HEADER]))
        }
    }

    /// The names found for a group, `-` for nothing found.
    fn names(found: &[Option<Found>]) -> Vec<String> {
        found
            .iter()
            .map(|f| f.as_ref().map_or("-".into(), |f| f.token.name.clone()))
            .collect()
    }

    #[test]
    fn kept_answers_serve_only_while_the_mark_holds_and_in_line_order() {
        let (a, b, unknown) = ([1; 32], [2; 32], [3; 32]);
        let mut store = Scripted {
            rows: HashMap::from([(a, Found::sample(1, "a")), (b, Found::sample(2, "b"))]),
            marks: vec![Some(1)],
            asked: vec![],
        };
        let group = [Some(a), None, Some(unknown), Some(b), Some(a)];
        let (mut kept, mut hashes, mut found) = (Kept::default(), vec![], vec![]);
        let mut run = |store: &mut Scripted| {
            kept.look_up(store, &group, &mut hashes, &mut found)
                .unwrap();
            names(&found)
        };
        let want = ["a", "-", "b", "a"];
        assert_eq!(run(&mut store), want);
        assert_eq!(store.asked, [4], "nothing kept yet");
        // The mark holds: only the token never found is looked up.
        assert_eq!(run(&mut store), want);
        assert_eq!(store.asked, [4, 1]);
        // A commit: what was kept is forgotten, and the change is seen.
        store.rows.insert(a, Found::sample(1, "a2"));
        store.marks = vec![Some(2)];
        assert_eq!(run(&mut store), ["a2", "-", "b", "a2"]);
        assert_eq!(store.asked, [4, 1, 4]);
        // A commit while the rest is looked up: the group is looked up
        // whole, so no line is answered from before it.
        store.marks = vec![Some(2), Some(3)];
        store.rows.insert(b, Found::sample(2, "b2"));
        assert_eq!(run(&mut store), ["a2", "-", "b2", "a2"]);
        assert_eq!(store.asked, [4, 1, 4, 1, 4]);
        // No mark (no `-shm`, or a header being rewritten): nothing kept.
        store.marks = vec![None];
        assert_eq!(run(&mut store), ["a2", "-", "b2", "a2"]);
        assert_eq!(run(&mut store), ["a2", "-", "b2", "a2"]);
        assert_eq!(store.asked, [4, 1, 4, 1, 4, 4, 4]);
    }

    #[test]
    fn no_more_than_kept_tokens_are_kept() {
        let hash = |i: u32| {
            let mut h = [0u8; 32];
            h[..4].copy_from_slice(&i.to_le_bytes());
            h
        };
        let n = KEPT as u32 + 10;
        let mut store = Scripted {
            rows: (0..n).map(|i| (hash(i), Found::sample(1, "t"))).collect(),
            marks: vec![Some(1)],
            asked: vec![],
        };
        let group: Vec<Option<TokenHash>> = (0..n).map(|i| Some(hash(i))).collect();
        let (mut kept, mut hashes, mut found) = (Kept::default(), vec![], vec![]);
        kept.look_up(&mut store, &group, &mut hashes, &mut found)
            .unwrap();
        assert_eq!(kept.found.len(), KEPT);
        kept.look_up(&mut store, &group, &mut hashes, &mut found)
            .unwrap();
        assert_eq!(store.asked, [n as usize, 10]);
        assert_eq!(found.len(), n as usize);
    }
}
