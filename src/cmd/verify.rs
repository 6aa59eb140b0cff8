//! `tokenctl verify`: check tokens read from stdin, one or a stream of them.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, IsTerminal, Read};
use std::os::fd::AsFd;

use zeroize::Zeroizing;

use super::Ctx;
use crate::cli::VerifyArgs;
use crate::error::{Error, Result, runtime};
use crate::guard;
use crate::model::Verdict;
use crate::store::{Lookup, Store};
use crate::time::{self, Epoch};
use crate::token::Presented;

/// Longer input cannot be a token; it is read to its end of line and
/// answered `malformed`, without being kept in memory.
const MAX_LINE: usize = 4096;
/// Uses recorded by `--batch` are written in transactions of about this many.
const USE_BATCH: usize = 4096;
/// Bytes of stdin read at a time.
const INPUT_BUF: usize = 64 * 1024;
/// `--batch` answers at most this many buffered lines from one read
/// snapshot (a few milliseconds' worth, and at most about 500 KiB of
/// answers held in memory).
const SNAPSHOT_LINES: usize = 1024;
/// `--batch` keeps up to this much of the database in memory, about what
/// the lookups touch at a million tokens (there: 3.3 s instead of 4.5 s for
/// a million lines).
const BATCH_CACHE_MIB: u32 = 64;

/// A token in argv would be visible in `ps` and shell history: refused,
/// before anything else, and without echoing it.
pub fn refuse_argv(args: &VerifyArgs) -> Result<()> {
    if args.token.is_some() {
        return Err(Error::Usage(
            "verify takes the token on stdin, not as an argument (argv shows in ps and shell history): \
             printf '%s\\n' \"$TOKEN\" | tokenctl verify"
                .into(),
        ));
    }
    Ok(())
}

/// Verifies one token, or with `--batch` every line of stdin. The exit
/// code is the verdict whatever becomes of stdout: a reader that went away
/// must not turn a "no" into a "yes".
pub fn run(store: &mut Store, ctx: &mut Ctx, args: &VerifyArgs) -> Result<u8> {
    let mut input = Input::stdin();
    // Typed at a terminal, a token stays out of the scrollback.
    let _echo = NoEcho::start();
    if args.batch {
        store.set_cache_size(BATCH_CACHE_MIB)?;
        return batch(store, ctx, &args.require_scopes, &mut input);
    }
    if _echo.is_some() {
        ctx.out
            .note("reading a token from stdin (it is not shown; end with Enter)");
    }
    let mut line = Presented::new(String::new());
    let mut scratch = Zeroizing::new(Vec::with_capacity(MAX_LINE));
    let read = read_line(&mut input, &mut line, &mut scratch)?;
    let empty = read.is_none() || (read == Some(true) && line.trimmed().is_empty());
    let verdict = match read {
        Some(true) => store.verify(line.trimmed(), &args.require_scopes, ctx.now)?,
        _ => malformed(),
    };
    drop(line);
    let now = ctx.now;
    // Errors writing the answer are ignored: the exit code is the answer.
    if ctx.out.json {
        let _ = ctx.out.json_value(&verdict.json(now));
    } else if !ctx.out.quiet {
        let _ = ctx.out.line(human(&verdict));
        if empty {
            ctx.out.note("no token was read from stdin");
        }
    }
    let _ = ctx.out.flush();
    Ok(verdict.exit_code())
}

/// Answers every line of `input`, in order, in groups: the lines already
/// read (at most [`SNAPSHOT_LINES`]) are looked up in one read snapshot and
/// their answers collected in memory; only after the snapshot has ended
/// are they written, so a reader that stalls never keeps a snapshot open
/// (which would keep SQLite from reusing its `-wal` file). Before it waits
/// for more input, it records the uses seen and flushes every answer, so a
/// caller that sends one token and waits for its answer gets it.
fn batch(store: &mut Store, ctx: &mut Ctx, required: &[String], input: &mut Input) -> Result<u8> {
    let mut line = Presented::new(String::new());
    let mut scratch = Zeroizing::new(Vec::with_capacity(MAX_LINE));
    // Each line of a group as its lookup needs it; `None`: malformed. The
    // plaintext is wiped as soon as it has been parsed and hashed.
    let mut group: Vec<Option<Lookup>> = Vec::with_capacity(SNAPSHOT_LINES);
    let mut answers: Vec<u8> = Vec::with_capacity(SNAPSHOT_LINES * 512);
    let mut valid: Vec<(i64, Epoch)> = Vec::new();
    let mut pending: Vec<i64> = Vec::new();
    // When this process last recorded each token's use.
    let mut recorded: HashMap<i64, Epoch> = HashMap::new();
    let mut buf = Vec::with_capacity(512);
    let mut eof = false;
    while !eof {
        if !input.whole_line_buffered() {
            store.record_use(&pending, time::now())?;
            pending.clear();
            ctx.out.flush().map_err(undelivered)?;
        }
        group.clear();
        while group.len() < SNAPSHOT_LINES {
            // Only the first line of a group may wait for input.
            if !group.is_empty() && !input.whole_line_buffered() {
                break;
            }
            let Some(ok) = read_line(input, &mut line, &mut scratch)? else {
                eof = true;
                break;
            };
            group.push(if ok { Lookup::of(line.trimmed()) } else { None });
            line.clear();
        }
        if group.is_empty() {
            break;
        }
        store.snapshot(|store| {
            answers.clear();
            valid.clear();
            for lookup in &group {
                // A long-running batch reads the clock per line, so no
                // token is accepted after its expiry.
                let now = time::now();
                let verdict = match lookup {
                    Some(l) => store.check_presented(l, required, now)?,
                    None => malformed(),
                };
                if let Some(t) = verdict.token.as_ref().filter(|_| verdict.valid()) {
                    if store.needs_use_recorded(t, now) {
                        valid.push((t.id, now));
                    }
                }
                buf.clear();
                serde_json::to_writer(&mut buf, &verdict.json(now)).map_err(anyhow::Error::from)?;
                buf.push(b'\n');
                answers.extend_from_slice(&buf);
            }
            Ok(())
        })?;
        for &(id, now) in &valid {
            if recorded.get(&id).is_none_or(|&at| at <= now - 60) {
                recorded.insert(id, now);
                pending.push(id);
            }
        }
        ctx.out.raw(&answers).map_err(undelivered)?;
        if pending.len() >= USE_BATCH {
            store.record_use(&pending, time::now())?;
            pending.clear();
        }
    }
    store.record_use(&pending, time::now())?;
    ctx.out.flush().map_err(undelivered)?;
    Ok(0)
}

/// `--batch` exits 0 only once every line is answered: a stdout that
/// fails first is a runtime error, never the quiet end other commands make
/// of a broken pipe.
fn undelivered(e: Error) -> Error {
    match e {
        Error::BrokenPipe => runtime("stdout was closed before every line was answered"),
        e => e,
    }
}

/// The terminal's echo, switched off while a token is typed at it and
/// switched on again when dropped, or when a signal ends the process.
struct NoEcho {
    saved: rustix::termios::Termios,
}

impl NoEcho {
    /// `None` when stdin is no terminal (or its echo cannot be changed).
    fn start() -> Option<NoEcho> {
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        let stdin = io::stdin();
        if !stdin.is_terminal() {
            return None;
        }
        let saved = tcgetattr(&stdin).ok()?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        let restore = saved.clone();
        guard::set(guard::Undo::Run(Box::new(move |_| {
            let _ = tcsetattr(io::stdin(), OptionalActions::Now, &restore);
        })));
        tcsetattr(&stdin, OptionalActions::Now, &quiet).ok()?;
        Some(NoEcho { saved })
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        use rustix::termios::{OptionalActions, tcsetattr};
        let _ = tcsetattr(io::stdin(), OptionalActions::Now, &self.saved);
        guard::set(guard::Undo::Nothing);
    }
}

/// Reads one line into `line`: `None` at end of input, `Some(false)` for a
/// line that cannot be a token (too long, not UTF-8). `bytes` is scratch
/// space of `MAX_LINE` bytes, wiped when dropped; it never grows, so no
/// copy of a secret is left behind in memory given back unwiped. (`line`
/// may grow, but only right after `clear` has wiped it.)
fn read_line(
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
struct Input {
    inner: Box<dyn Read>,
    buf: Zeroizing<Vec<u8>>,
    pos: usize,
    filled: usize,
}

impl Input {
    fn stdin() -> Input {
        // A closed stdin reads as empty, as it does through `io::stdin()`.
        let inner: Box<dyn Read> = match io::stdin().as_fd().try_clone_to_owned() {
            Ok(fd) => Box::new(File::from(fd)),
            Err(_) => Box::new(io::empty()),
        };
        Input {
            inner,
            buf: Zeroizing::new(vec![0; INPUT_BUF]),
            pos: 0,
            filled: 0,
        }
    }

    /// Whether a whole line is already read and waiting, so answering it
    /// cannot block.
    fn whole_line_buffered(&self) -> bool {
        self.buf[self.pos..self.filled].contains(&b'\n')
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
        if self.pos == self.filled {
            self.pos = 0;
            self.filled = 0;
            self.filled = loop {
                match self.inner.read(&mut self.buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    result => break result?,
                }
            };
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

fn malformed() -> Verdict {
    Verdict {
        reason: Some(crate::model::Reason::Malformed),
        token: None,
    }
}

fn human(v: &Verdict) -> String {
    let who = v
        .token
        .as_ref()
        .map(|t| format!(": token {} {} ({})", t.id, crate::text::quote(&t.name), t.masked()))
        .unwrap_or_default();
    match v.reason {
        None => format!("valid{who}"),
        Some(r) => format!("rejected, {}{who}", r.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `input` line by line through a reader that hands out a few
    /// bytes at a time, as a pipe may; returns each line's outcome.
    fn lines(input: &[u8]) -> Vec<Option<String>> {
        let mut reader = io::BufReader::with_capacity(7, input);
        let mut line = Presented::new(String::new());
        let mut scratch = Zeroizing::new(Vec::with_capacity(MAX_LINE));
        let mut out = Vec::new();
        while let Some(ok) = read_line(&mut reader, &mut line, &mut scratch).unwrap() {
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
        let mut input = Input {
            inner: Box::new(io::Cursor::new(data.clone())),
            buf: Zeroizing::new(vec![0; INPUT_BUF]),
            pos: 0,
            filled: 0,
        };
        let mut got = Vec::new();
        input.read_to_end(&mut got).unwrap();
        assert_eq!(got, data);
    }
}
