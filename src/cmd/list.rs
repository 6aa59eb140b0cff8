//! `tokenctl list`: tokens, masked, as a table or a streamed JSON array.

use comfy_table::Cell;

use super::Ctx;
use crate::cli::ListArgs;
use crate::error::Result;
use crate::store::{ListFilter, Store};
use crate::time;

/// Lists the tokens that pass the filters, in id order.
pub fn run(store: &Store, ctx: &mut Ctx, args: &ListArgs) -> Result<u8> {
    let filter = ListFilter {
        status: args.status,
        owner: args.owner.clone(),
        expiring_within: args.expiring_within.map(time::Duration::as_secs),
    };
    let now = ctx.now;
    if ctx.out.json {
        let mut array = ctx.out.json_array()?;
        store.list(&filter, now, |t| array.push(&t.json(now)))?;
        return array.end().map(|()| 0);
    }
    let mut table = ctx.out.new_table(&[
        "ID",
        "NAME",
        "OWNER",
        "SCOPES",
        "STATUS",
        "SECRET",
        "EXPIRES",
        "LAST USED",
    ]);
    let mut count = 0usize;
    store.list(&filter, now, |t| {
        count += 1;
        table.add_row(vec![
            Cell::new(t.id),
            Cell::new(&t.name),
            Cell::new(t.owner.as_deref().unwrap_or("-")),
            Cell::new(t.scopes.join(",")),
            ctx.out.status_cell(t.status(now)),
            Cell::new(t.masked()),
            Cell::new(
                t.expires_at
                    .map_or_else(|| "never".into(), |e| time::relative(e, now)),
            ),
            Cell::new(
                t.last_used_at
                    .map_or_else(|| "never".into(), |u| time::relative(u, now)),
            ),
        ]);
        Ok(())
    })?;
    if count == 0 {
        ctx.out.note("no tokens match");
        return Ok(0);
    }
    ctx.out.table(&mut table)?;
    Ok(0)
}
