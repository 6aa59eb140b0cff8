//! Unit tests of what the performance work added to the store: bulk
//! creation, read snapshots, the hash table kept apart from the tokens, and
//! the read-only connection that reopens read-write on its first write.

use super::testkit::Db as Store;
use crate::core::ops::{NewToken, Purge};
use crate::error::Error;
use crate::model::{Action, Reason};
use crate::store::ListFilter;

const T0: i64 = 1_800_000_000;

fn new(name: &str) -> NewToken {
    NewToken {
        name: name.into(),
        expiry: super::testkit::expiry(None),
        ..NewToken::default()
    }
}

fn ids(s: &mut Store, now: i64) -> Vec<i64> {
    let mut v = Vec::new();
    s.list(&ListFilter::default(), now, |t| {
        v.push(t.id.get());
        Ok(())
    })
    .unwrap();
    v
}

/// Rows of a table, to see what a change left behind.
fn count(s: &Store, table: &str) -> i64 {
    s.0.conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn create_many_writes_what_create_writes() {
    let mut s = Store::open_in_memory().unwrap();
    let batch = vec![
        new("a"),
        NewToken {
            owner: Some("alice".into()),
            scopes: vec!["deploy".into(), "admin".into()],
            expiry: super::testkit::expiry(Some(T0 + 100)),
            ..new("b")
        },
        new("c"),
    ];
    let mut secrets = Vec::new();
    let n = s
        .create_many(batch, "ops", T0, |id, secret| {
            secrets.push((id, secret));
            Ok(())
        })
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(ids(&mut s, T0), [1, 2, 3]);
    for (id, secret) in &secrets {
        let v = s.check(secret.expose(), &[], T0).unwrap();
        assert!(v.valid(), "token {id}");
        let t = v.token.unwrap();
        assert_eq!((t.id.get(), t.last4.as_str()), (*id, secret.last4()));
        assert_eq!((t.created_at, t.created_by.as_str()), (T0, "ops"));
    }
    let b = s.require(2).unwrap();
    assert_eq!(b.owner.as_deref(), Some("alice"));
    assert_eq!(b.scopes, ["admin", "deploy"]);
    assert_eq!(b.expires_at, Some(T0 + 100));
    let log = s.events(None, None).unwrap();
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .all(|e| e.action == Action::Created && e.actor == "ops" && e.at == T0)
    );
    // One create after them takes the next id, as it would have anyway.
    let (t, _) = s.create(&new("d"), "ops", T0).unwrap();
    assert_eq!(t.id.get(), 4);
}

#[test]
fn create_many_is_all_or_nothing() {
    let mut s = Store::open_in_memory().unwrap();
    let err = s
        .create_many([new("a"), new(""), new("c")], "ops", T0, |_, _| Ok(()))
        .unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    let err = s
        .create_many([new("a"), new("b")], "ops", T0, |id, _| {
            if id == 2 {
                Err(crate::error::runtime("stop"))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "stop");
    assert!(ids(&mut s, T0).is_empty());
    assert!(s.events(None, None).unwrap().is_empty());
    assert_eq!(count(&s, "token_hashes"), 0);
    let (t, _) = s.create(&new("x"), "ops", T0).unwrap();
    assert_eq!(t.id.get(), 1);
}

#[test]
fn hashes_go_with_their_tokens() {
    let mut s = Store::open_in_memory().unwrap();
    let (a, old) = s.create(&new("a"), "ops", T0).unwrap();
    let expiring = NewToken {
        expiry: super::testkit::expiry(Some(T0 + 10)),
        ..new("b")
    };
    let (_, b) = s.create(&expiring, "ops", T0).unwrap();
    let (_, fresh) = s.reset(a.id.get() as u64, None, "ops", T0).unwrap();
    // The replaced secret is remembered, to be answered "rotated".
    assert_eq!(
        s.check(old.expose(), &[], T0).unwrap().reason,
        Some(Reason::Rotated)
    );
    assert!(s.check(fresh.expose(), &[], T0).unwrap().valid());
    assert_eq!(count(&s, "token_hashes"), 3);
    // A second reset forgets the first replaced secret.
    let (_, newest) = s.reset(a.id.get() as u64, None, "ops", T0).unwrap();
    assert_eq!(count(&s, "token_hashes"), 3);
    assert_eq!(
        s.check(old.expose(), &[], T0).unwrap().reason,
        Some(Reason::Unknown)
    );
    assert_eq!(
        s.check(fresh.expose(), &[], T0).unwrap().reason,
        Some(Reason::Rotated)
    );
    let fresh = newest;
    let purged = s.purge(Purge::default(), "ops", T0 + 10).unwrap();
    assert_eq!(purged, [2]);
    assert_eq!(count(&s, "token_hashes"), 2);
    assert_eq!(
        s.check(b.expose(), &[], T0).unwrap().reason,
        Some(Reason::Unknown)
    );
    assert!(s.check(fresh.expose(), &[], T0).unwrap().valid());
}

#[test]
fn a_snapshot_answers_and_ends() {
    use crate::store::Store as _;
    let mut s = Store::open_in_memory().unwrap();
    let (_, secret) = s.create(&new("a"), "ops", T0).unwrap();
    let hash = secret.hash();
    let valid = crate::store::read(&mut s.0, |r| {
        let mut found = Vec::new();
        r.by_hashes(&[hash, hash], &mut found)?;
        Ok(found.iter().all(Option::is_some))
    })
    .unwrap();
    assert!(valid);
    let err =
        s.0.read(&mut |_| Err(Error::Usage("stop".into())))
            .unwrap_err();
    assert!(matches!(err, Error::Usage(_)));
    // No transaction is left open: a write still goes through.
    s.set_disabled(1, true, "ops", T0).unwrap();
    assert!(s.require(1).unwrap().disabled);
}

#[test]
fn a_reader_reopens_read_write_for_its_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (_, secret) = Store(super::SqliteStore::open(&path, None).unwrap())
        .create(&new("a"), "ops", T0)
        .unwrap();
    let mut s = Store(super::SqliteStore::open_existing(&path).unwrap());
    assert!(s.0.conn.is_readonly(rusqlite::MAIN_DB).unwrap());
    assert!(!s.read_only(), "a writable file is not read-only");
    assert_eq!(s.get(1).unwrap().unwrap().last_used_at, None);
    // Recording the first use takes a read-write connection.
    let v = s.verify(secret.expose(), &[], T0).unwrap();
    assert_eq!(v.token.unwrap().last_used_at, Some(T0));
    assert!(!s.0.conn.is_readonly(rusqlite::MAIN_DB).unwrap());
    drop(s);
    let mut s = Store(super::SqliteStore::open_existing(&path).unwrap());
    assert_eq!(s.require(1).unwrap().last_used_at, Some(T0));
}
