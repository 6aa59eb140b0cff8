//! `tokenctl log`: the audit trail, oldest first, as a table or a JSON
//! array, both streamed so memory stays flat however long the trail is;
//! with `--follow`, then every event committed after, by any process; with
//! `--verify` and `--head`, the check of its hash chain and its head.

use std::io;
use std::os::fd::AsFd;

use super::Ctx;
use crate::cli::LogArgs;
use crate::core::chain::{self, Broken, Head};
use crate::core::error::{Error, Result};
use crate::core::model::Event;
use crate::core::ops;
use crate::output::{Cell, Table};
use crate::store::{LogFilter, Store};
use crate::time;

const HEADER: [&str; 5] = ["AT", "TOKEN", "ACTION", "ACTOR", "DETAIL"];

/// How often `--follow` looks for new events: well within the second
/// SPEC §7 allows, and one indexed query each time.
const FOLLOW_EVERY_MS: i32 = 250;

/// Shows the events that pass the filters; with `--follow`, keeps going.
pub fn run(ctx: &mut Ctx, args: &LogArgs) -> Result<u8> {
    let mut store = ctx.open()?;
    if args.verify {
        return verify(ctx, store.as_mut(), args.expect_head);
    }
    if args.head {
        let head = crate::store::read(store.as_mut(), chain::head)?;
        return if ctx.out.json {
            ctx.out.json_value(&head)
        } else {
            ctx.out.line(head)
        }
        .map(|()| 0);
    }
    let mut filter = LogFilter {
        token: args.id,
        since: args.since.map(|s| s.at(ctx.now)),
        actions: args.actions.clone(),
        by: args.by.clone(),
        after: None,
        limit: args.limit,
    };
    if args.follow {
        return follow(ctx, store.as_mut(), &mut filter);
    }
    let out = &mut ctx.out;
    if out.json {
        let mut array = out.json_array();
        store.read_once(&mut |r| ops::log(r, &filter, &mut |e| array.push(&e)))?;
        return array.end().map(|()| 0);
    }
    // Measure, then print, from one snapshot (see list).
    store.read_once(&mut |r| {
        let mut table = Table::new(&HEADER);
        ops::log(r, &filter, &mut |e| {
            table.measure(&cells(&e, false));
            Ok(())
        })?;
        if table.rows() == 0 {
            out.note("no events");
            return Ok(());
        }
        out.start_table(&mut table)?;
        ops::log(r, &filter, &mut |e| out.row(&table, &cells(&e, false)))
    })?;
    Ok(0)
}

/// `log --verify`'s answer.
#[derive(serde::Serialize)]
struct Verified {
    intact: bool,
    events: usize,
    head: Head,
    broken: Option<Problem>,
}

#[derive(serde::Serialize)]
struct Problem {
    seq: i64,
    problem: String,
}

/// Checks the chain from one snapshot. The exit code is the answer, so
/// what happens to stdout cannot change it.
fn verify(ctx: &mut Ctx, store: &mut dyn Store, expect: Option<Head>) -> Result<u8> {
    let checked = crate::store::read(store, |r| chain::check(r, expect))?;
    let out = &mut ctx.out;
    let shown = if out.json {
        out.json_value(&Verified {
            intact: checked.broken.is_none(),
            events: checked.events,
            head: checked.head,
            broken: checked.broken.as_ref().map(|b: &Broken| Problem {
                seq: b.seq(),
                problem: b.to_string(),
            }),
        })
    } else if checked.broken.is_none() && !out.quiet {
        out.line(format_args!(
            "audit trail intact: {}, head {}",
            crate::phrase::plural(checked.events, "event"),
            checked.head
        ))
    } else {
        Ok(())
    };
    let _ = shown.and_then(|()| out.flush());
    match &checked.broken {
        None => Ok(0),
        Some(b) => Err(chain::altered(b)),
    }
}

/// Prints the events so far, then polls for newer ones until interrupted
/// or until stdout's reader goes away (exit 0, quietly). Events are read
/// by seq, which every backend hands out in commit order (writers take
/// the database's one write lock), so none is skipped or shown twice.
fn follow(ctx: &mut Ctx, store: &mut dyn Store, filter: &mut LogFilter) -> Result<u8> {
    let json = ctx.out.json;
    // Rows are never cut when the events to come are unknown: the table
    // is measured on a typical row, and a longer cell pushes its line out.
    let mut table = Table::new(&HEADER);
    let typical = Event {
        seq: 0,
        at: ctx.now,
        token_id: crate::core::id::TokenId::new(100_000),
        action: crate::core::model::Action::Disabled,
        actor: "x".repeat(12),
        detail: None,
        hash: None,
    };
    table.measure(&cells(&typical, true));
    let mut first = true;
    loop {
        let mut last = filter.after;
        let mut head = None;
        let out = &mut ctx.out;
        store.read_once(&mut |r| {
            if first {
                // An id never issued is exit 5 before anything is printed.
                ops::require_issued(r, filter.token)?;
                if !json {
                    out.start_table(&mut table)?;
                }
                // The rest is waited for after the newest event of this
                // snapshot, whether or not the history showed it (a
                // limit or a filter may hide it).
                head = ops::head_seq(r)?;
            }
            ops::log(r, filter, &mut |e| {
                last = Some(e.seq);
                if json {
                    out.json_value(&e)
                } else {
                    out.row(&table, &cells(&e, true))
                }
            })
        })?;
        ctx.out.flush()?;
        // After the first round, every event that passes is shown; the
        // limit was for the history before.
        filter.limit = None;
        filter.after = head.max(last).or(Some(filter.after.unwrap_or(0)));
        first = false;
        if reader_gone(FOLLOW_EVERY_MS)? {
            return Err(Error::BrokenPipe);
        }
    }
}

/// Waits `ms` milliseconds, or less if stdout's reader has gone away (a
/// pipe whose other end was closed reports an error without being written
/// to): a follower with nothing to print must still notice it is alone.
fn reader_gone(ms: i32) -> Result<bool> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let stdout = io::stdout();
    let fd = stdout.as_fd();
    let mut fds = [PollFd::new(&fd, PollFlags::empty())];
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: i64::from(ms) * 1_000_000,
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(_) => Ok(fds[0]
            .revents()
            .intersects(PollFlags::ERR | PollFlags::HUP | PollFlags::NVAL)),
        Err(rustix::io::Errno::INTR) => Ok(false),
        Err(e) => Err(crate::core::error::runtime(format!("cannot wait: {e}"))),
    }
}

/// One event's row; only the actor and the detail, free text, give way to
/// a narrow terminal, and with `whole` nothing does.
fn cells(e: &Event, whole: bool) -> [Cell<'_>; 5] {
    let free = |s: &str| {
        if whole {
            Cell::whole(s.to_owned())
        } else {
            Cell::new(s.to_owned())
        }
    };
    [
        Cell::whole(time::rfc3339(e.at)),
        Cell::whole(
            e.token_id
                .map_or_else(|| "-".to_owned(), |id| id.to_string()),
        ),
        Cell::whole(e.action.as_str()),
        free(&e.actor),
        free(e.detail.as_deref().unwrap_or("")),
    ]
}
