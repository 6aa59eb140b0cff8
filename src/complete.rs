//! Dynamic shell completion (`COMPLETE=bash tokenctl`): the ids and owners
//! of the database the command line names, as clap_complete's candidates.
//!
//! The shell runs `tokenctl -- <the words typed so far>` with `$COMPLETE`
//! set (see `main.rs`); clap_complete walks the words and, for an argument
//! given [`token_ids`] or [`owners`], asks the functions here. They open
//! the database exactly as the command would (`--db` from the words typed,
//! else `$TOKENCTL_DB`, else the default path), but only an existing one:
//! completing never creates a database or its directory. Any error (no
//! database, an untrusted file, a server that is down, a password in
//! `--db`) means no candidates and nothing printed, since whatever a
//! completer writes lands in the user's command line or prompt.
//!
//! Only ids, names, owners and states are offered, never a secret (the
//! store holds none); a name or owner from an older database may hold
//! invisible or control characters, so every description is escaped as
//! tables escape it ([`crate::text::escape`]).

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt as _;

use clap::{Args as _, FromArgMatches as _};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::cli::Global;
use crate::core::ops;
use crate::session::Ctx;
use crate::store::{self, ListFilter, Store};
use crate::text;

/// The command line as clap knows it ([`crate::cli::command`]), with the
/// candidates of this module attached: to every positional argument named
/// `id` (a token id: show, revoke, reset, enable, disable, log) the ids, to
/// every `--owner` the owners, in every subcommand, so a command added
/// later gets them too. Only the completing process builds this: a normal
/// run does not pay for the completers. An argument by another name gets
/// them with `#[arg(add = crate::complete::token_ids())]` (or
/// [`owners`]) in `cli.rs`, which this keeps.
pub fn command() -> clap::Command {
    // Built first: each subcommand's arguments are added only when it is
    // built (`cli::Command` defers them), and the candidates go on them.
    let mut cmd = crate::cli::command(false);
    cmd.build();
    with_candidates(cmd)
}

/// `cmd` with the candidates attached to its subcommands' `id` and
/// `--owner`, at every depth.
fn with_candidates(cmd: clap::Command) -> clap::Command {
    cmd.mut_subcommands(|sub| {
        with_candidates(sub).mut_args(|arg| {
            if arg.get::<ArgValueCandidates>().is_some() {
                arg
            } else if arg.get_id() == "id" && arg.is_positional() {
                arg.add(token_ids())
            } else if arg.get_id() == "owner" && arg.get_long() == Some("owner") {
                arg.add(owners())
            } else {
                arg
            }
        })
    })
}

/// What an argument that takes a token id completes to: every token of
/// the database, with its name, owner and state as the description.
pub fn token_ids() -> ArgValueCandidates {
    ArgValueCandidates::new(id_candidates)
}

/// What an argument that takes an owner completes to: every distinct
/// owner of the database.
pub fn owners() -> ArgValueCandidates {
    ArgValueCandidates::new(owner_candidates)
}

/// Every token's id, in id order, described as `CI deploy (owner alice,
/// active)`; none on any error.
pub fn id_candidates() -> Vec<CompletionCandidate> {
    let Some((ctx, mut store)) = open() else {
        return Vec::new();
    };
    let now = ctx.now;
    store::read(&mut *store, |r| {
        let mut found = Vec::new();
        ops::list(r, &ListFilter::default(), now, &mut |t| {
            let owner = t
                .owner
                .as_deref()
                .map(|o| format!("owner {}, ", text::escape(o)))
                .unwrap_or_default();
            let help = format!(
                "{} ({owner}{})",
                text::escape(&t.name),
                t.status(now).as_str()
            );
            found.push(CompletionCandidate::new(t.id.to_string()).help(Some(help.into())));
            Ok(())
        })?;
        Ok(found)
    })
    .unwrap_or_default()
}

/// Every distinct owner, sorted; none on any error. An owner holding a
/// character that must be escaped to be shown is left out: its escaped
/// form is not the owner, and the owner itself must not reach the
/// terminal.
pub fn owner_candidates() -> Vec<CompletionCandidate> {
    let Some((_, mut store)) = open() else {
        return Vec::new();
    };
    let mut owners = store::read(&mut *store, |r| {
        let mut found = Vec::new();
        r.owners(&mut |o| {
            if !o.chars().any(text::forbidden) {
                found.push(o);
            }
            Ok(())
        })?;
        Ok(found)
    })
    .unwrap_or_default();
    owners.sort();
    owners.dedup();
    owners.into_iter().map(CompletionCandidate::new).collect()
}

/// The existing database the command line being completed names, opened
/// as its command would open it; `None` on any error.
fn open() -> Option<(Ctx, Box<dyn Store>)> {
    let db = db_on_line(typed_words(std::env::args_os()));
    let mut argv: Vec<OsString> = vec!["tokenctl".into()];
    if let Some(db) = db {
        let mut flag = OsString::from("--db=");
        flag.push(db);
        argv.push(flag);
    }
    // The global options as the command line's parser makes them, so any
    // added later take their defaults here too.
    let matches = Global::augment_args(clap::Command::new("tokenctl"))
        .try_get_matches_from(argv)
        .ok()?;
    let global = Global::from_arg_matches(&matches).ok()?;
    let ctx = Ctx::new(global, false).ok()?;
    let store = ctx.open().ok()?;
    Some((ctx, store))
}

/// The words the user typed, from this process's arguments: what follows
/// the `--` clap_complete's shell glue puts before them, the program's
/// name first.
fn typed_words(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut args = args.into_iter().skip(1);
    args.by_ref().find(|a| a == "--");
    args.collect()
}

/// The value of the last `--db X` or `--db=X` among `words` (the program's
/// name first), before any `--` that ends the options.
fn db_on_line(words: Vec<OsString>) -> Option<OsString> {
    let mut db = None;
    let mut words = words.into_iter().skip(1);
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if word == "--db" {
            db = words.next();
        } else if let Some(value) = word.as_bytes().strip_prefix(b"--db=") {
            db = Some(OsStr::from_bytes(value).to_owned());
        }
    }
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The subcommands whose argument `arg` has the candidates.
    fn completed(arg: &str) -> Vec<String> {
        command()
            .get_subcommands()
            .filter(|sub| {
                sub.get_arguments()
                    .any(|a| a.get_id() == arg && a.get::<ArgValueCandidates>().is_some())
            })
            .map(|sub| sub.get_name().to_owned())
            .collect()
    }

    #[test]
    fn every_token_id_and_owner_argument_completes() {
        for name in ["show", "revoke", "reset", "enable", "disable", "log"] {
            assert!(completed("id").contains(&name.to_owned()), "{name} ID");
        }
        for name in ["create", "list", "revoke"] {
            assert!(
                completed("owner").contains(&name.to_owned()),
                "{name} --owner"
            );
        }
        // A normal run's command line carries no completer.
        let mut plain = crate::cli::command(false);
        plain.build();
        assert!(plain.get_subcommands().any(
            |sub| sub.get_name() == "revoke" && sub.get_arguments().any(|a| a.get_id() == "id")
        ));
        assert!(plain.get_subcommands().all(|sub| {
            sub.get_arguments()
                .all(|a| a.get::<ArgValueCandidates>().is_none())
        }));
    }

    fn words(line: &[&str]) -> Vec<OsString> {
        line.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_typed_words_follow_the_separator() {
        let argv = words(&["/bin/tokenctl", "--", "tokenctl", "revoke", ""]);
        assert_eq!(typed_words(argv), words(&["tokenctl", "revoke", ""]));
        assert!(typed_words(words(&["tokenctl", "list"])).is_empty());
    }

    #[test]
    fn db_is_found_in_either_form_last_one_wins() {
        let db = |line: &[&str]| db_on_line(words(line));
        assert_eq!(db(&["tokenctl", "revoke", ""]), None);
        assert_eq!(
            db(&["tokenctl", "--db", "/a.db", "revoke", ""]),
            Some("/a.db".into())
        );
        assert_eq!(
            db(&["tokenctl", "revoke", "--db=/b.db", ""]),
            Some("/b.db".into())
        );
        assert_eq!(
            db(&["tokenctl", "--db", "/a.db", "revoke", "--db=/b.db", ""]),
            Some("/b.db".into())
        );
        // After `--`, `--db` is a positional value, not the option.
        assert_eq!(db(&["tokenctl", "log", "--", "--db", "/c.db"]), None);
        // The program's own name is no option.
        assert_eq!(db(&["--db=/x", "list", "--owner", ""]), None);
    }
}
