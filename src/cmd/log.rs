//! `tokenctl log`: the audit trail, oldest first, as a table or a JSON
//! array, both streamed so memory stays flat however long the trail is.

use super::Ctx;
use crate::cli::LogArgs;
use crate::core::error::Result;
use crate::core::model::Event;
use crate::core::ops;
use crate::output::{Cell, Table};
use crate::time;

const HEADER: [&str; 5] = ["AT", "TOKEN", "ACTION", "ACTOR", "DETAIL"];

/// Shows the events of one token or of all.
pub fn run(ctx: &mut Ctx, args: &LogArgs) -> Result<u8> {
    let mut store = ctx.open()?;
    let out = &mut ctx.out;
    if out.json {
        let mut array = out.json_array();
        store.read_once(&mut |r| ops::log(r, args.id, args.limit, &mut |e| array.push(&e)))?;
        return array.end().map(|()| 0);
    }
    // Measure, then print, from one snapshot (see list).
    store.read_once(&mut |r| {
        let mut table = Table::new(&HEADER);
        ops::log(r, args.id, args.limit, &mut |e| {
            table.measure(&cells(&e));
            Ok(())
        })?;
        if table.rows() == 0 {
            out.note("no events");
            return Ok(());
        }
        out.start_table(&mut table)?;
        ops::log(r, args.id, args.limit, &mut |e| out.row(&table, &cells(&e)))
    })?;
    Ok(0)
}

/// One event's row; only the actor and the detail, free text, give way to
/// a narrow terminal.
fn cells(e: &Event) -> [Cell<'_>; 5] {
    [
        Cell::whole(time::rfc3339(e.at)),
        Cell::whole(
            e.token_id
                .map_or_else(|| "-".to_owned(), |id| id.to_string()),
        ),
        Cell::whole(e.action.as_str()),
        Cell::new(e.actor.as_str()),
        Cell::new(e.detail.as_deref().unwrap_or("")),
    ]
}
