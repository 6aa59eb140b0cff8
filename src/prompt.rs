//! Confirmation before an irreversible change: asked on a terminal, refused
//! without one unless `--yes`, so a script never hangs.

use std::io::{self, IsTerminal};
use std::time::Duration;

use crate::error::{Error, Result, runtime};

/// Asks `question` with a default of no. `action` names what would be
/// done, for the refusal without a terminal (`revoke token 42`).
///
/// The question goes to stderr, so it needs stderr to be a terminal as well
/// as stdin: an operator who redirected stderr would never see it.
pub fn confirm(question: &str, action: &str) -> Result<()> {
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
    restore_terminal_on_interrupt(action);
    let answer = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .wait_for_newline(true)
        .interact();
    match answer {
        Ok(true) => Ok(()),
        Ok(false) => Err(runtime(format!(
            "did not {action}: not confirmed; nothing changed"
        ))),
        Err(dialoguer::Error::IO(e)) if e.kind() == io::ErrorKind::Interrupted => {
            // Ctrl-C: the terminal library raised SIGINT, and the handler
            // installed above is about to end the process with 130.
            std::thread::sleep(Duration::from_secs(5));
            Err(runtime(format!(
                "did not {action}: interrupted; nothing changed"
            )))
        }
        Err(e) => Err(runtime(format!(
            "did not {action}: no answer ({e}); nothing changed"
        ))),
    }
}

/// dialoguer hides the cursor while it waits for an answer, and Ctrl-C
/// (which it turns into SIGINT) would otherwise end the process with the
/// cursor still hidden in the operator's shell. The handler shows it again,
/// ends the prompt's line, says that nothing changed, and exits 130 as a
/// process killed by SIGINT would.
fn restore_terminal_on_interrupt(action: &str) {
    let message = format!("tokenctl: did not {action}: interrupted; nothing changed");
    // Failing to install it (a handler already set) only costs the cursor.
    let _ = ctrlc::set_handler(move || {
        eprint!("\x1b[?25h\n{message}\n");
        std::process::exit(130);
    });
}
