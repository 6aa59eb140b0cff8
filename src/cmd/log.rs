//! `tokenctl log`: the audit trail, oldest first.

use comfy_table::Cell;

use super::Ctx;
use crate::cli::LogArgs;
use crate::error::Result;
use crate::store::Store;
use crate::time;

/// Shows the events of one token or of all.
pub fn run(store: &Store, ctx: &mut Ctx, args: &LogArgs) -> Result<u8> {
    let events = store.log(args.id, args.limit)?;
    if ctx.out.json {
        ctx.out.json_value(&events)?;
        return Ok(0);
    }
    if events.is_empty() {
        ctx.out.note("no events");
        return Ok(0);
    }
    let mut table = ctx
        .out
        .new_table(&["AT", "TOKEN", "ACTION", "ACTOR", "DETAIL"]);
    for e in &events {
        table.add_row(vec![
            Cell::new(time::rfc3339(e.at)),
            Cell::new(e.token_id),
            Cell::new(e.action.as_str()),
            Cell::new(&e.actor),
            Cell::new(e.detail.as_deref().unwrap_or("")),
        ]);
    }
    ctx.out.table(&mut table)?;
    Ok(0)
}
