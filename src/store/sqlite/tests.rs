//! Unit tests of the store on an in-memory database, with a moving clock.

use super::testkit::Db as Store;
use crate::core::ops::{Change, NewToken, Purge};
use crate::error::Error;
use crate::model::{Action, Reason, Status};
use crate::store::ListFilter;

const T0: i64 = 1_800_000_000;

fn store() -> Store {
    Store::open_in_memory().unwrap()
}

fn new(name: &str, expires_at: Option<i64>) -> NewToken {
    NewToken {
        name: name.into(),
        expiry: super::testkit::expiry(expires_at),
        ..NewToken::default()
    }
}

#[test]
fn create_then_verify() {
    let mut s = store();
    let (t, secret) = s.create(&new("a", Some(T0 + 100)), "ops", T0).unwrap();
    assert_eq!(
        (t.id.get(), t.scopes.clone(), t.created_by.as_str()),
        (1, vec!["read".into(), "write".into()], "ops")
    );
    assert_eq!(t.last4, secret.last4());
    let v = s.verify(secret.expose(), &[], T0 + 1).unwrap();
    assert!(v.valid());
    assert_eq!(v.token.unwrap().last_used_at, Some(T0 + 1));
    assert_eq!(
        s.check(secret.expose(), &[], T0 + 100).unwrap().reason,
        Some(Reason::Expired)
    );
    assert_eq!(
        s.check(secret.expose(), &["admin".into()], T0)
            .unwrap()
            .reason,
        Some(Reason::MissingScope)
    );
    assert_eq!(
        s.check("tok_nope", &[], T0).unwrap().reason,
        Some(Reason::Malformed)
    );
}

#[test]
fn status_order_is_revoked_expired_disabled_active() {
    let mut s = store();
    let (t, _) = s.create(&new("a", Some(T0 + 10)), "ops", T0).unwrap();
    assert_eq!(t.status(T0), Status::Active);
    s.set_disabled(1, true, "ops", T0).unwrap();
    assert_eq!(s.require(1).unwrap().status(T0), Status::Disabled);
    assert_eq!(s.require(1).unwrap().status(T0 + 10), Status::Expired);
    s.revoke(1, "ops", T0, None).unwrap();
    assert_eq!(s.require(1).unwrap().status(T0 + 10), Status::Revoked);
}

#[test]
fn use_is_recorded_once_a_minute() {
    let mut s = store();
    let (_, secret) = s.create(&new("a", None), "ops", T0).unwrap();
    s.verify(secret.expose(), &[], T0).unwrap();
    s.verify(secret.expose(), &[], T0 + 59).unwrap();
    assert_eq!(s.require(1).unwrap().last_used_at, Some(T0));
    s.verify(secret.expose(), &[], T0 + 60).unwrap();
    assert_eq!(s.require(1).unwrap().last_used_at, Some(T0 + 60));
}

#[test]
fn list_filters() {
    let mut s = store();
    s.create(
        &NewToken {
            owner: Some("alice".into()),
            ..new("a", Some(T0 + 50))
        },
        "ops",
        T0,
    )
    .unwrap();
    s.create(&new("b", Some(T0 + 500)), "ops", T0).unwrap();
    s.create(&new("c", None), "ops", T0).unwrap();
    let mut ids = |f: ListFilter, now| {
        let mut v = Vec::new();
        s.list(&f, now, |t| {
            v.push(t.id);
            Ok(())
        })
        .unwrap();
        v
    };
    assert_eq!(ids(ListFilter::default(), T0), [1, 2, 3]);
    assert_eq!(
        ids(
            ListFilter {
                owner: Some("alice".into()),
                ..Default::default()
            },
            T0
        ),
        [1]
    );
    assert_eq!(
        ids(
            ListFilter {
                status: Some(Status::Expired),
                ..Default::default()
            },
            T0 + 50
        ),
        [1]
    );
    assert_eq!(
        ids(
            ListFilter {
                expiring_within: Some(100),
                ..Default::default()
            },
            T0
        ),
        [1]
    );
    assert_eq!(
        ids(
            ListFilter {
                expiring_within: Some(500),
                ..Default::default()
            },
            T0
        ),
        [1, 2]
    );
}

#[test]
fn reset_kills_the_old_secret_and_keeps_the_rest() {
    let mut s = store();
    let (_, old) = s
        .create(
            &NewToken {
                scopes: vec!["deploy".into()],
                ..new("a", Some(T0 + 10))
            },
            "ops",
            T0,
        )
        .unwrap();
    s.set_disabled(1, true, "ops", T0).unwrap();
    let (t, fresh) = s.reset(1, Some(T0 + 1000), "ops", T0 + 20).unwrap();
    assert_eq!(
        (t.id.get(), t.disabled, t.scopes.clone(), t.expires_at),
        (1, true, vec!["deploy".into()], Some(T0 + 1000))
    );
    assert_eq!(
        s.check(old.expose(), &[], T0 + 20).unwrap().reason,
        Some(Reason::Rotated)
    );
    assert_eq!(
        s.check(fresh.expose(), &[], T0 + 20).unwrap().reason,
        Some(Reason::Disabled)
    );
    s.revoke(1, "ops", T0 + 30, None).unwrap();
    assert!(matches!(
        s.reset(1, None, "ops", T0 + 40),
        Err(Error::Revoked { .. })
    ));
    assert!(matches!(
        s.set_disabled(1, false, "ops", T0 + 40),
        Err(Error::Revoked { .. })
    ));
    assert!(matches!(
        s.revoke(1, "ops", T0 + 40, None),
        Ok(Change::Already(_))
    ));
    assert!(matches!(
        s.reset(9, None, "ops", T0),
        Err(Error::NotFound(id)) if id.get() == 9
    ));
}

#[test]
fn purge_keeps_history_and_never_reuses_ids() {
    let mut s = store();
    s.create(&new("a", Some(T0 + 10)), "ops", T0).unwrap();
    s.create(&new("b", None), "ops", T0).unwrap();
    s.create(&new("c", Some(T0 + 100)), "ops", T0).unwrap();
    s.revoke(2, "ops", T0 + 5, None).unwrap();
    let dry = Purge {
        dry_run: true,
        include_revoked: true,
        ..Purge::default()
    };
    assert_eq!(s.purge(dry, "cron", T0 + 200).unwrap(), [1, 2, 3]);
    assert_eq!(
        s.purge(
            Purge {
                older_than: 150,
                ..Purge::default()
            },
            "cron",
            T0 + 200
        )
        .unwrap(),
        [1]
    );
    assert_eq!(s.purge(Purge::default(), "cron", T0 + 200).unwrap(), [3]);
    assert_eq!(
        s.purge(
            Purge {
                include_revoked: true,
                ..Purge::default()
            },
            "cron",
            T0 + 200
        )
        .unwrap(),
        [2]
    );
    let (t, _) = s.create(&new("d", None), "ops", T0 + 300).unwrap();
    assert_eq!(t.id, 4);
    let log = s.events(Some(3), None).unwrap();
    let actions: Vec<Action> = log.iter().map(|e| e.action).collect();
    assert_eq!(actions, [Action::Created, Action::Purged]);
    assert_eq!(log[1].actor, "cron");
    assert!(matches!(
        s.events( Some(99), None),
        Err(Error::NotFound(id)) if id.get() == 99
    ));
    assert_eq!(
        s.events(None, Some(2))
            .unwrap()
            .iter()
            .map(|e| e.token_id.unwrap().get())
            .collect::<Vec<_>>(),
        [2, 4]
    );
}

// issue 10 item 18: the streamed log keeps --limit exact at its edges.
#[test]
fn log_limit_edges() {
    let mut s = store();
    for n in ["a", "b", "c"] {
        s.create(&new(n, None), "ops", T0).unwrap();
    }
    s.set_disabled(2, true, "ops", T0).unwrap();
    let mut ids = |id, limit| -> Vec<(i64, Action)> {
        s.events(id, limit)
            .unwrap()
            .iter()
            .map(|e| (e.token_id.unwrap().get(), e.action))
            .collect()
    };
    assert_eq!(ids(None, Some(0)), []);
    assert_eq!(ids(None, Some(1)), [(2, Action::Disabled)]);
    assert_eq!(
        ids(None, Some(3)),
        [
            (2, Action::Created),
            (3, Action::Created),
            (2, Action::Disabled)
        ]
    );
    assert_eq!(ids(None, Some(4)).len(), 4);
    assert_eq!(ids(None, Some(u32::MAX)).len(), 4);
    assert_eq!(ids(None, None).len(), 4);
    assert_eq!(ids(Some(2), Some(1)), [(2, Action::Disabled)]);
    assert_eq!(
        ids(Some(2), Some(5)),
        [(2, Action::Created), (2, Action::Disabled)]
    );
    assert_eq!(ids(Some(2), Some(0)), []);
    // Nothing is streamed for an id never issued: the error comes first.
    let mut called = false;
    let r = s.log(Some(9), None, |_| {
        called = true;
        Ok(())
    });
    assert!(matches!(r, Err(Error::NotFound(id)) if id.get() == 9) && !called);
}

#[test]
fn revoke_owner_takes_only_live_tokens_of_that_owner() {
    let mut s = store();
    let alice = |n: &str| NewToken {
        owner: Some("alice".into()),
        ..new(n, None)
    };
    s.create(&alice("a"), "ops", T0).unwrap();
    s.create(&alice("b"), "ops", T0).unwrap();
    s.create(&new("c", None), "ops", T0).unwrap();
    s.revoke(1, "ops", T0, None).unwrap();
    assert_eq!(s.live_tokens_of("alice").unwrap().len(), 1);
    let revoked = s.revoke_owner("alice", "ops", T0 + 1).unwrap();
    assert_eq!(revoked.iter().map(|t| t.id).collect::<Vec<_>>(), [2]);
    assert_eq!(s.require(1).unwrap().revoked_at, Some(T0));
    assert_eq!(s.require(3).unwrap().revoked_at, None);
}

#[test]
fn validation_guards_the_library_too() {
    let mut s = store();
    assert!(matches!(
        s.create(&new("", None), "ops", T0),
        Err(Error::Usage(_))
    ));
    assert!(matches!(
        s.create(&new("a", None), "", T0),
        Err(Error::Usage(_))
    ));
    let bad = NewToken {
        scopes: vec!["Nope".into()],
        ..new("a", None)
    };
    assert!(matches!(s.create(&bad, "ops", T0), Err(Error::Usage(_))));
    assert_eq!(s.prefix().unwrap(), "tok");
}

#[test]
fn the_bundled_sqlite_is_built_as_cargo_config_says() {
    // .cargo/config.toml's LIBSQLITE3_FLAGS: no loading of extensions, none
    // of the extensions tokenctl never uses.
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
    let options: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for wanted in ["OMIT_LOAD_EXTENSION", "DQS=0", "DEFAULT_MEMSTATUS=0"] {
        assert!(options.iter().any(|o| o == wanted), "{wanted}: {options:?}");
    }
    for unwanted in [
        "ENABLE_FTS5",
        "ENABLE_FTS3",
        "ENABLE_RTREE",
        "ENABLE_LOAD_EXTENSION",
    ] {
        assert!(
            !options.iter().any(|o| o == unwanted),
            "{unwanted}: {options:?}"
        );
    }
    assert!(
        conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5(x)")
            .is_err()
    );
}
