//! Where output goes: data on stdout (tables, JSON, secrets), notes on
//! stderr; colour only when wanted; a broken pipe on stdout is a quiet end;
//! tables streamed row by row and fitted to the terminal.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Stdout, Write};
use std::os::fd::AsFd;

use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::cli::ColorChoice;
use crate::error::{Error, Result};
use crate::model::Status;
use crate::text;

/// Spaces between two table columns, as kubectl's tables have.
const GAP: usize = 2;
/// A terminal that does not say how wide it is (a pty nobody sized, a
/// serial console) is taken to be this wide, as `tput cols` does.
const FALLBACK_WIDTH: usize = 80;
/// What a shortened cell ends with.
const ELLIPSIS: char = '…';

/// The command's view of stdout and stderr.
pub struct Output {
    /// Made at the first write: most runs of `verify` write nothing.
    stdout: Option<BufWriter<Stdout>>,
    /// `--json`: one JSON document on stdout.
    pub json: bool,
    /// `-q`: no notes on stderr.
    pub quiet: bool,
    color: bool,
    /// The terminal's width when stdout is a terminal; `None` otherwise,
    /// and then tables are neither cut nor wrapped.
    width: Option<usize>,
    /// One table row being put together, reused so that a streamed table
    /// allocates per column, not per row.
    row: String,
}

impl Output {
    /// Output as the global flags and the environment ask for it.
    pub fn new(json: bool, quiet: bool, color: ColorChoice) -> Self {
        let tty = io::stdout().is_terminal();
        let color = !json
            && wants_color(
                color,
                tty,
                std::env::var_os("NO_COLOR").as_deref(),
                std::env::var_os("TERM").as_deref(),
            );
        Output {
            stdout: None,
            json,
            quiet,
            color,
            width: tty.then(terminal_width),
            row: String::new(),
        }
    }

    /// A note for people, on stderr; `-q` silences it. Masked like every
    /// message, and written in one piece. A stderr that cannot be written
    /// is ignored: the note may follow a change that has committed, and
    /// failing to tell about it must not turn it into a failure.
    pub fn note(&self, msg: impl Display) {
        if self.quiet {
            return;
        }
        let mut line = text::redact(&msg.to_string()).into_owned();
        line.push('\n');
        let _ = io::stderr().lock().write_all(line.as_bytes());
    }

    /// Stdout's buffer, made at the first write.
    fn stdout(&mut self) -> &mut BufWriter<Stdout> {
        buffer(&mut self.stdout)
    }

    fn flush_stdout(&mut self) -> io::Result<()> {
        self.stdout.as_mut().map_or(Ok(()), Write::flush)
    }

    /// Data on stdout.
    pub fn line(&mut self, line: impl Display) -> Result<()> {
        writeln!(self.stdout(), "{line}").map_err(stdout_error)
    }

    /// Bytes on stdout, as they are.
    pub fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.stdout().write_all(bytes).map_err(stdout_error)
    }

    /// Makes everything written so far reach the reader.
    pub fn flush(&mut self) -> Result<()> {
        self.flush_stdout().map_err(stdout_error)
    }

    /// One JSON document on stdout, and a newline.
    pub fn json_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let w = self.stdout();
        serde_json::to_writer(&mut *w, value).map_err(|e| stdout_error(e.into()))?;
        w.write_all(b"\n").map_err(stdout_error)
    }

    /// A JSON array written one element at a time, so memory stays flat.
    /// Nothing is written before the first element or the end, so a
    /// command that fails before either leaves stdout empty.
    pub fn json_array(&mut self) -> JsonArray<'_> {
        JsonArray {
            out: self,
            started: false,
        }
    }

    /// Fixes the column widths of a measured table (shortening the widest
    /// columns when it is wider than the terminal) and prints its header,
    /// if it has one. Rows follow with [`Output::row`].
    pub fn start_table(&mut self, table: &mut Table) -> Result<()> {
        if let Some(width) = self.width {
            table.fit(width);
        }
        if !table.header.is_empty() {
            let header: Vec<Cell<'static>> =
                table.header.iter().map(|h| Cell::new(*h).bold()).collect();
            self.row(table, &header)?;
        }
        Ok(())
    }

    /// Prints a table whose rows are all in memory already (a few): each
    /// measured, then the header and every row.
    pub fn table<'a, R: AsRef<[Cell<'a>]>>(&mut self, mut table: Table, rows: &[R]) -> Result<()> {
        for row in rows {
            table.measure(row.as_ref());
        }
        self.start_table(&mut table)?;
        for row in rows {
            self.row(&table, row.as_ref())?;
        }
        Ok(())
    }

    /// Prints one row of a table started with [`Output::start_table`]:
    /// each cell padded to its column's width, or shortened with `…` to
    /// it, and nothing trailing.
    pub fn row(&mut self, table: &Table, cells: &[Cell<'_>]) -> Result<()> {
        let line = &mut self.row;
        line.clear();
        for (i, (cell, &width)) in cells.iter().zip(&table.widths).enumerate() {
            let shown = if cell.whole {
                Cow::Borrowed(&*cell.text)
            } else {
                shorten(&cell.text, width)
            };
            let sgr = cell.paint.sgr().filter(|_| self.color);
            if let Some(code) = sgr {
                line.push_str("\x1b[");
                line.push_str(code);
                line.push('m');
            }
            line.push_str(&shown);
            if sgr.is_some() {
                line.push_str("\x1b[0m");
            }
            if i + 1 < cells.len() {
                let pad = width.saturating_sub(shown.width()) + GAP;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let end = line.trim_end_matches(' ').len();
        line.truncate(end);
        line.push('\n');
        buffer(&mut self.stdout)
            .write_all(line.as_bytes())
            .map_err(stdout_error)
    }

    /// Flushes stdout; the last step of every command.
    pub fn finish(&mut self) -> Result<()> {
        self.flush_stdout().map_err(stdout_error)
    }

    /// Writes a new secret and flushes it, past every buffer, to the file
    /// behind stdout; an error means the secret did not reach its reader.
    pub fn deliver_secret(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.flush_stdout()?;
        // The standard library treats a closed stdout as a sink that accepts
        // everything; a duplicate of the descriptor tells the truth.
        let mut file = File::from(io::stdout().as_fd().try_clone_to_owned()?);
        file.write_all(bytes)?;
        file.flush()
    }
}

/// Whether human output is coloured: `always` and `never` as said; `auto`
/// only on a terminal that is not `TERM=dumb`, and without `NO_COLOR` set
/// to something (no-color.org).
fn wants_color(
    choice: ColorChoice,
    tty: bool,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            tty && no_color.is_none_or(OsStr::is_empty) && term != Some(OsStr::new("dumb"))
        }
    }
}

/// The width of the terminal on stdout: `COLUMNS` when it is set (what a
/// user who sets it expects, and what tests can set), else what the
/// terminal says, else 80.
fn terminal_width() -> usize {
    let columns = std::env::var("COLUMNS").ok();
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| {
            rustix::termios::tcgetwinsize(io::stdout())
                .ok()
                .map(|w| usize::from(w.ws_col))
                .filter(|&c| c > 0)
        })
        .unwrap_or(FALLBACK_WIDTH)
}

/// The layout of a table that is streamed: the widths of its columns are
/// measured in a first pass over the rows, so the second pass can print
/// each row as it comes without holding the others.
pub struct Table {
    header: Vec<&'static str>,
    /// The widest cell of each column, header included (display columns).
    widths: Vec<usize>,
    /// The widest cell of each column that must be shown whole.
    whole: Vec<usize>,
    rows: usize,
}

impl Table {
    /// A table with these column headers.
    pub fn new(header: &[&'static str]) -> Table {
        Table {
            header: header.to_vec(),
            widths: header.iter().map(|h| h.width()).collect(),
            whole: vec![0; header.len()],
            rows: 0,
        }
    }

    /// A table of `columns` columns without a header.
    pub fn headless(columns: usize) -> Table {
        Table {
            header: Vec::new(),
            widths: vec![0; columns],
            whole: vec![0; columns],
            rows: 0,
        }
    }

    /// Takes one row's cells into account; the first pass.
    pub fn measure(&mut self, cells: &[Cell<'_>]) {
        self.rows += 1;
        for ((cell, width), whole) in cells.iter().zip(&mut self.widths).zip(&mut self.whole) {
            let w = cell.text.width();
            *width = (*width).max(w);
            if cell.whole {
                *whole = (*whole).max(w);
            }
        }
    }

    /// How many rows were measured.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Shortens the widest columns, one display column at a time, until
    /// the table fits in `max` columns: first down to their headers, then,
    /// on a very narrow terminal, headers too, down to one character and
    /// `…`. Cells that must be whole never give way: a terminal too narrow
    /// for the ids and secrets gets lines that wrap, rather than ids that
    /// cannot be copied.
    fn fit(&mut self, max: usize) {
        let gaps = GAP * self.widths.len().saturating_sub(1);
        let mut total: usize = self.widths.iter().sum::<usize>() + gaps;
        let headers: Vec<usize> = (0..self.widths.len())
            .map(|i| self.header.get(i).map_or(0, |h| h.width()))
            .collect();
        let rounds = [
            |header: usize, whole: usize| header.max(whole),
            |_: usize, whole: usize| whole.max(2),
        ];
        for floor in rounds {
            let floors: Vec<usize> = (0..self.widths.len())
                .map(|i| floor(headers[i], self.whole[i]))
                .collect();
            while total > max {
                let widest = (0..self.widths.len())
                    .filter(|&i| self.widths[i] > floors[i])
                    .max_by_key(|&i| (self.widths[i], std::cmp::Reverse(i)));
                let Some(i) = widest else { break };
                self.widths[i] -= 1;
                total -= 1;
            }
        }
    }
}

/// `text` cut to `width` display columns, ending with `…` when it was
/// longer.
fn shorten(text: &str, width: usize) -> Cow<'_, str> {
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    // The ellipsis takes one column.
    let room = width.saturating_sub(1);
    let mut out = String::with_capacity(width * 4);
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    // A string's width is not always the sum of its characters' (emoji
    // sequences): trust the string's.
    while out.width() > room {
        out.pop();
    }
    if width > 0 {
        out.push(ELLIPSIS);
    }
    Cow::Owned(out)
}

/// How a cell is painted when colour is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Paint {
    Plain,
    Bold,
    Green,
    Yellow,
    Red,
}

impl Paint {
    /// The SGR parameters that turn it on.
    fn sgr(self) -> Option<&'static str> {
        match self {
            Paint::Plain => None,
            Paint::Bold => Some("1"),
            Paint::Green => Some("32"),
            Paint::Yellow => Some("33"),
            Paint::Red => Some("31"),
        }
    }
}

/// One cell of a table. Its text is shown through [`text::escape`], so no
/// value from the database can reorder or hide part of a line.
pub struct Cell<'a> {
    text: Cow<'a, str>,
    paint: Paint,
    whole: bool,
}

impl<'a> Cell<'a> {
    /// A cell that may be shortened to fit the terminal.
    pub fn new(text: impl Into<Cow<'a, str>>) -> Cell<'a> {
        let text = text.into();
        let escaped = match text::escape(&text) {
            Cow::Owned(s) => Some(s),
            Cow::Borrowed(_) => None,
        };
        Cell {
            text: escaped.map_or(text, Cow::Owned),
            paint: Paint::Plain,
            whole: false,
        }
    }

    /// A value that must be copied (an id, a masked secret): never
    /// shortened.
    pub fn whole(text: impl Into<Cow<'a, str>>) -> Cell<'a> {
        Cell {
            whole: true,
            ..Cell::new(text)
        }
    }

    /// A token's status, coloured by what it means; whole, since one state
    /// cut short could read as another.
    pub fn status(s: Status) -> Cell<'static> {
        Cell {
            paint: match s {
                Status::Active => Paint::Green,
                Status::Disabled | Status::Expired => Paint::Yellow,
                Status::Revoked => Paint::Red,
            },
            ..Cell::whole(s.as_str())
        }
    }

    /// The same cell in bold.
    pub fn bold(self) -> Cell<'a> {
        Cell {
            paint: Paint::Bold,
            ..self
        }
    }
}

/// Stdout's buffer in `slot`, made at the first write.
fn buffer(slot: &mut Option<BufWriter<Stdout>>) -> &mut BufWriter<Stdout> {
    slot.get_or_insert_with(|| BufWriter::with_capacity(64 * 1024, io::stdout()))
}

/// A JSON array being streamed to stdout.
pub struct JsonArray<'a> {
    out: &'a mut Output,
    started: bool,
}

impl JsonArray<'_> {
    /// Appends one element.
    pub fn push<T: Serialize>(&mut self, value: &T) -> Result<()> {
        let w = self.out.stdout();
        w.write_all(if self.started { b"," } else { b"[" })
            .map_err(stdout_error)?;
        self.started = true;
        serde_json::to_writer(&mut *w, value).map_err(|e| stdout_error(e.into()))
    }

    /// Closes the array.
    pub fn end(self) -> Result<()> {
        let end: &[u8] = if self.started { b"]\n" } else { b"[]\n" };
        self.out.stdout().write_all(end).map_err(stdout_error)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &[&'static str], widths: &[usize], whole: &[usize]) -> Table {
        Table {
            header: header.to_vec(),
            widths: widths.to_vec(),
            whole: whole.to_vec(),
            rows: 1,
        }
    }

    // issue 10 item 19: the widest columns give way first, down to their
    // headers; only a very narrow terminal cuts headers, and nothing cuts a
    // cell that must be whole.
    #[test]
    fn the_widest_columns_give_way() {
        let mut t = table(
            &["ID", "NAME", "OWNER", "SECRET"],
            &[3, 40, 30, 12],
            &[3, 0, 0, 12],
        );
        t.fit(91);
        assert_eq!(t.widths, [3, 40, 30, 12], "it fits already");
        t.fit(60);
        assert_eq!(t.widths, [3, 19, 20, 12]);
        assert_eq!(t.widths.iter().sum::<usize>() + 3 * GAP, 60);
        t.fit(30);
        assert_eq!(t.widths, [3, 4, 5, 12], "headers hold while they can");
        assert_eq!(t.widths.iter().sum::<usize>() + 3 * GAP, 30);
        t.fit(28);
        assert_eq!(t.widths, [3, 3, 4, 12]);
        t.fit(10);
        assert_eq!(t.widths, [3, 2, 2, 12], "ids and secrets stay whole");
        let mut t = table(&[], &[2, 50], &[2, 0]);
        t.fit(20);
        assert_eq!(t.widths, [2, 16]);
    }

    // issue 10 item 19: shortened by display width, with an ellipsis.
    #[test]
    fn shorten_counts_display_columns() {
        assert_eq!(shorten("alice", 5), "alice");
        assert_eq!(shorten("alice@example.com", 6), "alice…");
        assert_eq!(shorten("日本語の名前", 6), "日本…");
        assert_eq!(shorten("日本語の名前", 6).width(), 5);
        assert_eq!(shorten("abc", 0), "");
        assert_eq!(shorten("abc", 1), "…");
    }

    // issue 10 item 19: TERM=dumb and NO_COLOR turn auto colour off;
    // always is always.
    #[test]
    fn colour_rules() {
        let os = |s: &'static str| Some(OsStr::new(s));
        let auto = ColorChoice::Auto;
        assert!(wants_color(auto, true, None, os("xterm")));
        assert!(wants_color(auto, true, os(""), None));
        assert!(!wants_color(auto, false, None, os("xterm")));
        assert!(!wants_color(auto, true, os("1"), os("xterm")));
        assert!(!wants_color(auto, true, None, os("dumb")));
        assert!(wants_color(ColorChoice::Always, false, os("1"), os("dumb")));
        assert!(!wants_color(ColorChoice::Never, true, None, os("xterm")));
    }
}
