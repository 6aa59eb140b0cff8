//! `tokenctl init`: create the database explicitly, with a prefix.

use super::Ctx;
use crate::core::error::{Error, Result};

/// Opens the database, creating it when it is missing; an existing
/// database with another prefix is a conflict.
pub fn run(ctx: &mut Ctx, wanted: Option<&str>) -> Result<u8> {
    let store = ctx.open_or_create(wanted)?;
    let prefix = store.prefix();
    if let Some(w) = wanted.filter(|w| *w != prefix) {
        return Err(Error::Conflict(format!(
            "the database already exists with prefix {prefix:?}; its prefix cannot change to {w:?}"
        )));
    }
    if store.created() {
        ctx.out
            .note(format!("created database with prefix {prefix:?}"));
    } else {
        ctx.out.note(format!(
            "database already exists with prefix {prefix:?}; nothing changed"
        ));
    }
    Ok(0)
}
