//! The yardstick for `verify --batch` (SPEC §6): the least a program can
//! do to look up a stream of tokens, tuned. It opens the database
//! read-only with memory-mapped I/O and a 64 MiB page cache, reads one
//! token per line from stdin, and looks the SHA-256 of each up by the
//! index, a thousand lines per read transaction, writing `1` (found) or `0`
//! per line. `bench` runs it over the same lines as `tokenctl verify
//! --batch`.

use std::io::{BufRead, BufWriter, Write};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use sha2::{Digest, Sha256};

/// Lines per read transaction.
const GROUP: usize = 1000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os()
        .nth(1)
        .ok_or("usage: minimal_batch DATABASE < tokens")?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
    conn.pragma_update(None, "cache_size", -64 * 1024)?;
    let mut stmt = conn.prepare("SELECT id FROM token_hashes WHERE hash = ?1")?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut line = String::new();
    let mut in_group = 0;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        if in_group == 0 {
            conn.execute_batch("BEGIN")?;
        }
        let hash = Sha256::digest(line.trim().as_bytes());
        let id: Option<i64> = stmt.query_row([&hash[..]], |r| r.get(0)).optional()?;
        out.write_all(if id.is_some() { b"1\n" } else { b"0\n" })?;
        in_group += 1;
        if in_group == GROUP {
            conn.execute_batch("COMMIT")?;
            in_group = 0;
        }
    }
    if in_group > 0 {
        conn.execute_batch("COMMIT")?;
    }
    out.flush()?;
    Ok(())
}
