//! Where output goes: data on stdout (tables, JSON, secrets), notes on
//! stderr; colour only when wanted; a broken pipe on stdout is a quiet end.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Stdout, Write};
use std::os::fd::AsFd;

use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

use crate::cli::ColorChoice;
use crate::error::{Error, Result};
use crate::model::Status;

/// The command's view of stdout and stderr.
pub struct Output {
    stdout: BufWriter<Stdout>,
    /// `--json`: one JSON document on stdout.
    pub json: bool,
    /// `-q`: no notes on stderr.
    pub quiet: bool,
    color: bool,
}

impl Output {
    /// Output as the global flags ask for it.
    pub fn new(json: bool, quiet: bool, color: ColorChoice) -> Self {
        let color = !json
            && match color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
        Output {
            stdout: BufWriter::with_capacity(64 * 1024, io::stdout()),
            json,
            quiet,
            color,
        }
    }

    /// A note for people, on stderr; `-q` silences it.
    pub fn note(&self, msg: impl Display) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }

    /// Data on stdout.
    pub fn line(&mut self, line: impl Display) -> Result<()> {
        writeln!(self.stdout, "{line}").map_err(stdout_error)
    }

    /// Bytes on stdout, as they are.
    pub fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.stdout.write_all(bytes).map_err(stdout_error)
    }

    /// Makes everything written so far reach the reader.
    pub fn flush(&mut self) -> Result<()> {
        self.stdout.flush().map_err(stdout_error)
    }

    /// One JSON document on stdout, and a newline.
    pub fn json_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        serde_json::to_writer(&mut self.stdout, value).map_err(|e| stdout_error(e.into()))?;
        self.stdout.write_all(b"\n").map_err(stdout_error)
    }

    /// A JSON array written one element at a time, so memory stays flat.
    pub fn json_array(&mut self) -> Result<JsonArray<'_>> {
        self.stdout.write_all(b"[").map_err(stdout_error)?;
        Ok(JsonArray {
            out: self,
            first: true,
        })
    }

    /// A new table styled for this output: plain columns like kubectl's.
    pub fn new_table(&self, header: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic);
        if self.color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        if !header.is_empty() {
            t.set_header(header.iter().map(|h| self.bold(h)));
        }
        t
    }

    /// Prints a table: columns two spaces apart, no border, nothing trailing.
    pub fn table(&mut self, table: &mut Table) -> Result<()> {
        for column in table.column_iter_mut() {
            column.set_padding((0, 2));
        }
        if let Some(last) = table.column_iter_mut().last() {
            last.set_padding((0, 0));
        }
        for line in table.lines() {
            writeln!(self.stdout, "{}", line.trim_end()).map_err(stdout_error)?;
        }
        Ok(())
    }

    /// A table cell for a status, coloured when colour is on.
    pub fn status_cell(&self, s: Status) -> Cell {
        let cell = Cell::new(s.as_str());
        if !self.color {
            return cell;
        }
        cell.fg(match s {
            Status::Active => Color::Green,
            Status::Disabled | Status::Expired => Color::Yellow,
            Status::Revoked => Color::Red,
        })
    }

    /// A bold cell when colour is on.
    pub fn bold(&self, text: impl Display) -> Cell {
        let cell = Cell::new(text);
        if self.color {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }

    /// Flushes stdout; the last step of every command.
    pub fn finish(&mut self) -> Result<()> {
        self.stdout.flush().map_err(stdout_error)
    }

    /// Writes a new secret and flushes it, past every buffer, to the file
    /// behind stdout; an error means the secret did not reach its reader.
    pub fn deliver_secret(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stdout.flush()?;
        // The standard library treats a closed stdout as a sink that accepts
        // everything; a duplicate of the descriptor tells the truth.
        let mut file = File::from(io::stdout().as_fd().try_clone_to_owned()?);
        file.write_all(bytes)?;
        file.flush()
    }
}

/// A JSON array being streamed to stdout.
pub struct JsonArray<'a> {
    out: &'a mut Output,
    first: bool,
}

impl JsonArray<'_> {
    /// Appends one element.
    pub fn push<T: Serialize>(&mut self, value: &T) -> Result<()> {
        let w = &mut self.out.stdout;
        if !self.first {
            w.write_all(b",").map_err(stdout_error)?;
        }
        self.first = false;
        serde_json::to_writer(&mut *w, value).map_err(|e| stdout_error(e.into()))
    }

    /// Closes the array.
    pub fn end(self) -> Result<()> {
        self.out.stdout.write_all(b"]\n").map_err(stdout_error)
    }
}

/// A failed write to stdout: a reader that went away is no error.
pub fn stdout_error(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Error::BrokenPipe
    } else {
        Error::Runtime(anyhow::Error::new(e).context("cannot write to stdout"))
    }
}
