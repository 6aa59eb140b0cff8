//! `tokenctl disable ID`: switch a token off, reversibly.

use super::Ctx;
use super::enable::switch;
use crate::cli::Id;
use crate::core::error::Result;

/// Disables the token; already disabled is a note, revoked a conflict.
pub fn run(ctx: &mut Ctx, id: Id) -> Result<u8> {
    switch(ctx, id, true)
}
