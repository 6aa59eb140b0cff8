//! `tokenctl show ID`: one token in detail, masked.

use comfy_table::Cell;

use super::Ctx;
use crate::cli::Id;
use crate::error::Result;
use crate::store::Store;
use crate::time::{self, Epoch};

/// Shows the token, or exits 5 when there is none with this id.
pub fn run(store: &Store, ctx: &mut Ctx, id: Id) -> Result<u8> {
    let t = store.require(id)?;
    let now = ctx.now;
    if ctx.out.json {
        ctx.out.json_value(&t.json(now))?;
        return Ok(0);
    }
    let when = |at: Option<Epoch>, none: &str| match at {
        Some(at) => format!("{} ({})", time::rfc3339(at), time::relative(at, now)),
        None => none.to_owned(),
    };
    let mut table = ctx.out.new_table(&[]);
    let rows: [(&str, Cell); 11] = [
        ("id", Cell::new(t.id)),
        ("name", Cell::new(&t.name)),
        ("owner", Cell::new(t.owner.as_deref().unwrap_or("-"))),
        ("scopes", Cell::new(t.scopes.join(", "))),
        ("status", ctx.out.status_cell(t.status(now))),
        ("secret", Cell::new(t.masked())),
        ("created", Cell::new(when(Some(t.created_at), ""))),
        ("created by", Cell::new(&t.created_by)),
        ("expires", Cell::new(when(t.expires_at, "never"))),
        ("last used", Cell::new(when(t.last_used_at, "never"))),
        ("revoked", Cell::new(when(t.revoked_at, "no"))),
    ];
    for (key, value) in rows {
        table.add_row(vec![ctx.out.bold(key), value]);
    }
    ctx.out.table(&mut table)?;
    Ok(0)
}
