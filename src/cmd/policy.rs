//! `tokenctl policy`: show the database's rules, or set or unset one.

use super::Ctx;
use crate::cli::{PolicyAction, PolicyArgs};
use crate::core::error::Result;
use crate::core::ops;
use crate::core::policy::{Key, Policy};
use crate::output::{Cell, Table};
use crate::phrase::{IDS_IN_NOTE, id_list, plural};

const HEADER: [&str; 3] = ["RULE", "VALUE", "SET"];

/// Shows the policy, or changes one key and names the live tokens that do
/// not meet it.
pub fn run(ctx: &mut Ctx, args: &PolicyArgs) -> Result<u8> {
    let (key, value) = match &args.action {
        None => {
            let policy = ops::policy(ctx.open()?.as_mut())?;
            return show(ctx, &policy);
        }
        Some(PolicyAction::Set { key, value }) => (*key, Some(value.as_str())),
        Some(PolicyAction::Unset { key }) => (*key, None),
    };
    let mut store = ctx.open()?;
    let change = ops::set_policy(store.as_mut(), key, value, &ctx.actor, ctx.now)?;
    if change.changed {
        ctx.out
            .note(format!("policy {key} is now {}", change.policy.shown(key)));
    } else {
        ctx.out.note(format!(
            "policy {key} is already {}; nothing changed",
            change.policy.shown(key)
        ));
    }
    if !change.breaking.is_empty() {
        ctx.out.note(format!(
            "{} {} not meet {key} (left as they are): {}",
            plural(change.breaking.len(), "live token"),
            if change.breaking.len() == 1 {
                "does"
            } else {
                "do"
            },
            id_list(&change.breaking, IDS_IN_NOTE)
        ));
    }
    if ctx.out.json {
        ctx.out.json_value(&change.policy.json())?;
    }
    Ok(0)
}

fn show(ctx: &mut Ctx, policy: &Policy) -> Result<u8> {
    if ctx.out.json {
        ctx.out.json_value(&policy.json())?;
        return Ok(0);
    }
    let rows: Vec<[Cell; 3]> = Key::ALL
        .iter()
        .map(|&k| {
            [
                Cell::whole(k.as_str()),
                Cell::new(policy.shown(k)),
                Cell::whole(if policy.stored(k).is_some() {
                    "set"
                } else {
                    "default"
                }),
            ]
        })
        .collect();
    ctx.out.table(Table::new(&HEADER), &rows)?;
    Ok(0)
}
