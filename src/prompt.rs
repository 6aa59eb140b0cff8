//! Confirmation before an irreversible change: asked on a terminal, refused
//! without one unless `--yes`, so a script never hangs.

use std::io::{self, IsTerminal};

use crate::error::{Error, Result, runtime};

/// Asks `question` with a default of no. `action` names what would be
/// done, for the refusal without a terminal (`revoke token 42`).
pub fn confirm(question: &str, action: &str) -> Result<()> {
    if !io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "refusing to {action} without confirmation: stdin is not a terminal; pass --yes"
        )));
    }
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
        Err(e) => Err(runtime(format!(
            "did not {action}: no answer ({e}); nothing changed"
        ))),
    }
}
