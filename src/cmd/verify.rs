//! `tokenctl verify`: check tokens read from stdin, one or a stream of them.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};

use super::Ctx;
use crate::cli::VerifyArgs;
use crate::error::{Error, Result};
use crate::model::Verdict;
use crate::store::Store;
use crate::time::{self, Epoch};
use crate::token::Presented;

/// Longer input cannot be a token; it is read to its end of line and
/// answered `malformed`, without being kept in memory.
const MAX_LINE: usize = 4096;
/// Uses recorded by `--batch` are written in transactions of about this many.
const USE_BATCH: usize = 4096;
/// `--batch` answers at most this many buffered lines from one read
/// snapshot (a few milliseconds' worth).
const SNAPSHOT_LINES: usize = 1024;
/// `--batch` keeps up to this much of the database in memory, about what
/// the lookups touch at a million tokens (there: 3.3 s instead of 4.5 s for
/// a million lines).
const BATCH_CACHE_MIB: u32 = 64;
/// `--batch` reads stdin in blocks of this size.
const INPUT_BUFFER: usize = 64 * 1024;

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

/// Verifies one token, or with `--batch` every line of stdin.
pub fn run(store: &mut Store, ctx: &mut Ctx, args: &VerifyArgs) -> Result<u8> {
    let stdin = io::stdin();
    if args.batch {
        store.set_cache_size(BATCH_CACHE_MIB)?;
        // A buffer of its own, to see whether a whole line is waiting.
        let mut input = BufReader::with_capacity(INPUT_BUFFER, stdin.lock());
        return batch(store, ctx, &args.require_scopes, &mut input);
    }
    let mut input = stdin.lock();
    if io::stdin().is_terminal() {
        ctx.out.note("reading a token from stdin (end with Enter)");
    }
    let mut line = Presented::new(String::new());
    let verdict = match read_line(&mut input, &mut line)? {
        Some(true) => store.verify(line.trimmed(), &args.require_scopes, ctx.now)?,
        _ => malformed(),
    };
    let now = ctx.now;
    if ctx.out.json {
        ctx.out.json_value(&verdict.json(now))?;
    } else if !ctx.out.quiet {
        ctx.out.line(human(&verdict))?;
    }
    Ok(verdict.exit_code())
}

/// Answers every line of `input`, in order. The lines already read are
/// answered from one read snapshot of at most [`SNAPSHOT_LINES`]; before it
/// waits for more input, it records the uses seen and flushes every answer,
/// so a caller that sends one token and waits for its answer gets it.
fn batch<R: Read>(
    store: &mut Store,
    ctx: &mut Ctx,
    required: &[String],
    input: &mut BufReader<R>,
) -> Result<u8> {
    let mut line = Presented::new(String::new());
    let mut pending: Vec<i64> = Vec::new();
    // When this process last recorded each token's use.
    let mut recorded: HashMap<i64, Epoch> = HashMap::new();
    let mut buf = Vec::with_capacity(512);
    let mut eof = false;
    while !eof {
        if !whole_line_buffered(input) {
            store.record_use(&pending, time::now())?;
            pending.clear();
            ctx.out.flush()?;
        }
        store.snapshot(|store| {
            for n in 0..SNAPSHOT_LINES {
                // Only the first line may wait for input: the snapshot starts
                // at its first query, so it is never older than the line.
                if n > 0 && !whole_line_buffered(input) {
                    break;
                }
                let Some(ok) = read_line(input, &mut line)? else {
                    eof = true;
                    break;
                };
                // A long-running batch reads the clock per line, so no token
                // is accepted after its expiry.
                let now = time::now();
                let verdict = if ok {
                    store.check(line.trimmed(), required, now)?
                } else {
                    malformed()
                };
                if let Some(t) = verdict.token.as_ref().filter(|_| verdict.valid()) {
                    let fresh = recorded.get(&t.id).is_none_or(|&at| at <= now - 60);
                    if fresh && store.needs_use_recorded(t, now) {
                        recorded.insert(t.id, now);
                        pending.push(t.id);
                    }
                }
                buf.clear();
                serde_json::to_writer(&mut buf, &verdict.json(now)).map_err(anyhow::Error::from)?;
                buf.push(b'\n');
                ctx.out.raw(&buf)?;
            }
            Ok(())
        })?;
        if pending.len() >= USE_BATCH {
            store.record_use(&pending, time::now())?;
            pending.clear();
        }
    }
    store.record_use(&pending, time::now())?;
    Ok(0)
}

fn whole_line_buffered<R: Read>(input: &BufReader<R>) -> bool {
    input.buffer().contains(&b'\n')
}

/// Reads one line into `line`: `None` at end of input, `Some(false)` for a
/// line that cannot be a token (too long, not UTF-8).
fn read_line(input: &mut impl BufRead, line: &mut Presented) -> Result<Option<bool>> {
    line.clear();
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
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
    match std::str::from_utf8(&bytes) {
        Ok(s) if fits => {
            line.buf().push_str(s);
            Ok(Some(true))
        }
        _ => Ok(Some(false)),
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
        .map(|t| format!(": token {} {:?} ({})", t.id, t.name, t.masked()))
        .unwrap_or_default();
    match v.reason {
        None => format!("valid{who}"),
        Some(r) => format!("rejected, {}{who}", r.as_str()),
    }
}
