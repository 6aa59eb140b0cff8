//! The yardstick of SPEC §6: the least a program can do to check a token.
//! It opens the database, reads one token from stdin, and looks its SHA-256
//! up in the index; exit 0 if found, 3 if not. `bench` runs it beside
//! `tokenctl verify` so the two are timed side by side.
//!
//! It opens the database read-only, the cheapest way for a reader: it
//! leaves the `-wal` and `-shm` files for the next process instead of
//! deleting them at exit (which a read-write connection does when it is the
//! last one), so it sets the bar as low as it goes.

use std::io::BufRead;
use std::process::ExitCode;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use sha2::{Digest, Sha256};

fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let path = std::env::args_os()
        .nth(1)
        .ok_or("usage: minimal_lookup DATABASE < token")?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let hash = Sha256::digest(line.trim().as_bytes());
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM token_hashes WHERE hash = ?1",
            [&hash[..]],
            |r| r.get(0),
        )
        .optional()?;
    Ok(ExitCode::from(if id.is_some() { 0 } else { 3 }))
}
