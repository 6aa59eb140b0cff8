//! The PostgreSQL yardstick of SPEC §6: the least a program can do to check
//! a token in PostgreSQL. It connects (the password from `PGPASSWORD`),
//! reads one token from stdin, and looks its SHA-256 up in the index; exit
//! 0 if found, 3 if not. `bench` runs it beside `tokenctl verify`.

use std::io::BufRead;
use std::process::ExitCode;

use sha2::{Digest, Sha256};

fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .ok_or("usage: minimal_pg_lookup URL < token")?;
    let mut config: postgres::Config = url.parse()?;
    if let Ok(password) = std::env::var("PGPASSWORD") {
        config.password(password);
    }
    let mut client = config.connect(postgres::NoTls)?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let hash = Sha256::digest(line.trim().as_bytes());
    let row = client.query_opt("SELECT id FROM token_hashes WHERE hash = $1", &[&&hash[..]])?;
    Ok(ExitCode::from(if row.is_some() { 0 } else { 3 }))
}
