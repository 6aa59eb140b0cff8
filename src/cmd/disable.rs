//! `tokenctl disable ID`: switch a token off, reversibly.

use super::{Ctx, switch};
use crate::cli::Id;
use crate::error::Result;
use crate::store::Store;

/// Disables the token; already disabled is a note, revoked a conflict.
pub fn run(store: &mut Store, ctx: &mut Ctx, id: Id) -> Result<u8> {
    switch(store, ctx, id, true)
}
