//! Confirmation before an irreversible change: a question on stderr and an
//! answer typed as a line on the terminal; refused without a terminal unless
//! `--yes`, so a script never hangs.

use std::io::{self, BufRead, IsTerminal, Write};

use rustix::termios::{self, InputModes, LocalModes, OptionalActions, Termios};

use crate::error::{Error, Result, runtime};
use crate::text;

/// Asks `question` with a default of no. `action` names what would be
/// done, for the refusal without a terminal (`revoke token 42`).
///
/// The question goes to stderr, so it needs stderr to be a terminal as well
/// as stdin: an operator who redirected stderr would never see it.
///
/// The answer is one line read in the terminal's own line mode, so the
/// terminal echoes it and Backspace edits it, as at a shell prompt. Only
/// `y` or `yes` (any case, blanks around it ignored) and Enter confirm:
/// a key alone never does. Ctrl-C ends the process by SIGINT, as it would
/// any command, before anything has changed (the shell reports 130).
pub fn confirm(question: &str, action: &str) -> Result<()> {
    can_ask(action)?;
    let declined = || runtime(format!("did not {action}: not confirmed; nothing changed"));
    // Questions carry names and owners from the database, which an older
    // version or another program may have filled with invisible characters.
    let question = text::escape(question);
    let mut stderr = io::stderr().lock();
    write!(stderr, "{question} [y/N] ")
        .and_then(|()| stderr.flush())
        .map_err(|e| {
            runtime(format!(
                "did not {action}: cannot show the question ({e}); nothing changed"
            ))
        })?;
    let mut line = Vec::new();
    let read = {
        let _mode = LineMode::enter();
        io::stdin().lock().read_until(b'\n', &mut line)
    };
    if let Err(e) = read {
        return Err(runtime(format!(
            "did not {action}: no answer ({e}); nothing changed"
        )));
    }
    if !line.ends_with(b"\n") {
        // End of input (Ctrl-D): the terminal did not end the line, so the
        // message that follows would share it with the question.
        let _ = writeln!(stderr);
        return Err(declined());
    }
    if is_yes(&line) {
        Ok(())
    } else {
        Err(declined())
    }
}

/// The refusal [`confirm`] would give, found before any work: stdin and
/// stderr must both be terminals. A command that asks only after a long
/// run (`scan --revoke`) checks this first.
pub fn can_ask(action: &str) -> Result<()> {
    if !io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "refusing to {action} without confirmation: stdin is not a terminal; pass --yes"
        )));
    }
    if !io::stderr().is_terminal() {
        return Err(Error::Usage(format!(
            "refusing to {action} without confirmation: stderr is not a terminal, so the question cannot be shown; pass --yes"
        )));
    }
    Ok(())
}

/// The terminal in the mode a shell prompt has, for as long as this lives:
/// lines (Enter ends one, Backspace edits it), echo, and Ctrl-C as SIGINT.
/// That is how terminals normally are, and then nothing is touched. One left
/// otherwise (by a full-screen program that crashed, or a test harness that
/// switched echo off) is put so for the question and set back afterwards;
/// if Ctrl-C ends the process first, it stays in the usual mode, which is
/// harmless.
struct LineMode {
    saved: Option<Termios>,
}

impl LineMode {
    const LOCAL: LocalModes = LocalModes::ICANON
        .union(LocalModes::ECHO)
        .union(LocalModes::ECHOE)
        .union(LocalModes::ISIG);
    // Enter sends a carriage return; in line mode only a newline ends a line.
    const INPUT: InputModes = InputModes::ICRNL;

    fn enter() -> LineMode {
        let stdin = io::stdin();
        let saved = termios::tcgetattr(&stdin).ok().filter(|t| {
            !(t.local_modes.contains(Self::LOCAL) && t.input_modes.contains(Self::INPUT))
        });
        if let Some(saved) = &saved {
            let mut line = saved.clone();
            line.local_modes |= Self::LOCAL;
            line.input_modes |= Self::INPUT;
            // Failing that, the question is still asked; the answer is
            // only harder to type.
            let _ = termios::tcsetattr(&stdin, OptionalActions::Now, &line);
        }
        LineMode { saved }
    }
}

impl Drop for LineMode {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = termios::tcsetattr(io::stdin(), OptionalActions::Now, saved);
        }
    }
}

/// Whether a typed line says yes: `y` or `yes` in any case, surrounded by
/// nothing but blanks.
fn is_yes(line: &[u8]) -> bool {
    let word = line.trim_ascii();
    word.eq_ignore_ascii_case(b"y") || word.eq_ignore_ascii_case(b"yes")
}

#[cfg(test)]
mod tests {
    use super::is_yes;

    #[test]
    fn only_y_or_yes_says_yes() {
        // issue 10 item 14
        for yes in ["y\n", "Y\n", "yes\n", "YES\n", " YeS \n", "\ty\r\n"] {
            assert!(is_yes(yes.as_bytes()), "{yes:?}");
        }
        for no in [
            "\n",
            "n\n",
            "no\n",
            "not yet\n",
            "yesterday\n",
            "ny\n",
            "yn\n",
            "y y\n",
            "ye\n",
            "yess\n",
            "oui\n",
            "\u{a0}y\n",
        ] {
            assert!(!is_yes(no.as_bytes()), "{no:?}");
        }
    }
}
