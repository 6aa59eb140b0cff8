//! `tokenctl show ID`: one token in detail, masked.

use super::Ctx;
use crate::cli::Id;
use crate::core::error::Result;
use crate::core::ops;
use crate::output::{Cell, Table};
use crate::time::{self, Epoch};

/// Shows the token, or exits 5 when there is none with this id.
pub fn run(ctx: &mut Ctx, id: Id) -> Result<u8> {
    let t = ops::require(ctx.open()?.as_mut(), id)?;
    let now = ctx.now;
    if ctx.out.json {
        ctx.out.json_value(&t.json(now))?;
        return Ok(0);
    }
    let when = |at: Option<Epoch>, none: &str| match at {
        Some(at) => format!("{} ({})", time::rfc3339(at), time::relative(at, now)),
        None => none.to_owned(),
    };
    // Only free text (name, owner, scopes, creator) gives way to a narrow
    // terminal: ids, secrets, states and times are shown whole.
    let mut rows: Vec<(&str, Cell)> = vec![
        ("id", Cell::whole(t.id.to_string())),
        ("name", Cell::new(t.name.as_str())),
        ("owner", Cell::new(t.owner.as_deref().unwrap_or("-"))),
        ("scopes", Cell::new(t.scopes.join(", "))),
        ("status", Cell::status(t.status(now))),
        ("secret", Cell::whole(t.masked())),
        ("created", Cell::whole(when(Some(t.created_at), ""))),
        ("created by", Cell::new(t.created_by.as_str())),
        ("expires", Cell::whole(when(t.expires_at, "never"))),
        ("last used", Cell::whole(when(t.last_used_at, "never"))),
        ("revoked", Cell::whole(when(t.revoked_at, "no"))),
    ];
    if let Some(end) = t.previous_valid_until.filter(|&end| end > now) {
        rows.push((
            "old secret",
            Cell::whole(format!("verifies until {}", when(Some(end), ""))),
        ));
    }
    let rows: Vec<[Cell; 2]> = rows
        .into_iter()
        .map(|(key, value)| [Cell::whole(key).bold(), value])
        .collect();
    ctx.out.table(Table::headless(2), &rows)?;
    Ok(0)
}
