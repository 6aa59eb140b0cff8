//! `tokenctl list`: tokens, masked, as a table or a JSON array, both
//! streamed so memory stays flat however many tokens there are.

use super::Ctx;
use crate::cli::ListArgs;
use crate::core::error::Result;
use crate::core::model::Token;
use crate::core::ops;
use crate::output::{Cell, Table};
use crate::store::ListFilter;
use crate::time::{self, Epoch};

const HEADER: [&str; 8] = [
    "ID",
    "NAME",
    "OWNER",
    "SCOPES",
    "STATUS",
    "SECRET",
    "EXPIRES",
    "LAST USED",
];

/// Lists the tokens that pass the filters, in id order.
pub fn run(ctx: &mut Ctx, args: &ListArgs) -> Result<u8> {
    let mut store = ctx.open()?;
    let filter = ListFilter {
        status: args.status,
        owner: args.owner.clone(),
        expiring_within: args.expiring_within.map(time::Duration::as_secs),
        ..ListFilter::default()
    };
    let now = ctx.now;
    let out = &mut ctx.out;
    if out.json {
        let mut array = out.json_array();
        store.read_once(&mut |r| ops::list(r, &filter, now, &mut |t| array.push(&t.json(now))))?;
        return array.end().map(|()| 0);
    }
    // Two passes over the same rows, one to measure the columns and one to
    // print, in one read transaction so that both see the same tokens.
    store.read_once(&mut |r| {
        let mut table = Table::new(&HEADER);
        ops::list(r, &filter, now, &mut |t| {
            table.measure(&cells(&t, now));
            Ok(())
        })?;
        if table.rows() == 0 {
            out.note("no tokens match");
            return Ok(());
        }
        out.start_table(&mut table)?;
        ops::list(r, &filter, now, &mut |t| out.row(&table, &cells(&t, now)))
    })?;
    Ok(0)
}

/// One token's row. The id and the masked secret are copied by people,
/// and a time cut short is another time, so only the free text (name,
/// owner, scopes) gives way to a narrow terminal.
fn cells(t: &Token, now: Epoch) -> [Cell<'_>; 8] {
    let when = |at: Option<Epoch>| at.map_or_else(|| "never".into(), |at| time::relative(at, now));
    [
        Cell::whole(t.id.to_string()),
        Cell::new(t.name.as_str()),
        Cell::new(t.owner.as_deref().unwrap_or("-")),
        Cell::new(t.scopes.join(",")),
        Cell::status(t.status(now)),
        Cell::whole(t.masked()),
        Cell::whole(when(t.expires_at)),
        Cell::whole(when(t.last_used_at)),
    ]
}
