//! `tokenctl purge`: delete expired (and optionally revoked) tokens, for cron.

use serde::Serialize;

use super::Ctx;
use crate::cli::PurgeArgs;
use crate::core::error::Result;
use crate::core::id::TokenId;
use crate::core::ops::{self, Purge};
use crate::phrase::{IDS_IN_NOTE, id_list, plural};

#[derive(Serialize)]
struct Report<'a> {
    purged: usize,
    ids: &'a [TokenId],
    dry_run: bool,
}

/// Purges, or with `--dry-run` reports what would go.
pub fn run(ctx: &mut Ctx, args: &PurgeArgs) -> Result<u8> {
    let mut store = ctx.open()?;
    let what = Purge {
        older_than: args.older_than.map_or(0, |d| d.as_secs()),
        include_revoked: args.include_revoked,
        dry_run: args.dry_run,
    };
    let ids = ops::purge(store.as_mut(), what, &ctx.actor, ctx.now)?;
    if ctx.out.json {
        ctx.out.json_value(&Report {
            purged: ids.len(),
            ids: &ids,
            dry_run: what.dry_run,
        })?;
        return Ok(0);
    }
    let verb = if what.dry_run {
        "would purge"
    } else {
        "purged"
    };
    match ids.len() {
        0 => ctx.out.note(format!("{verb} no tokens")),
        n => ctx.out.note(format!(
            "{verb} {}: {}",
            plural(n, "token"),
            id_list(&ids, IDS_IN_NOTE)
        )),
    }
    Ok(0)
}
