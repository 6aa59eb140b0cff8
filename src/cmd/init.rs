//! `tokenctl init`: create the database explicitly, with a prefix.

use super::Ctx;
use crate::error::{Error, Result};
use crate::store::Store;

/// Reports the database the dispatcher opened (creating it if needed); an
/// existing database with another prefix is a conflict.
pub fn run(store: &Store, ctx: &mut Ctx, wanted: Option<&str>) -> Result<u8> {
    let prefix = store.prefix()?;
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
