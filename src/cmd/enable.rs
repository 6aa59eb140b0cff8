//! `tokenctl enable ID`: switch a disabled token on again.

use super::{Ctx, switch};
use crate::cli::Id;
use crate::error::Result;
use crate::store::Store;

/// Enables the token; already enabled is a note, revoked a conflict.
pub fn run(store: &mut Store, ctx: &mut Ctx, id: Id) -> Result<u8> {
    switch(store, ctx, id, false)
}
