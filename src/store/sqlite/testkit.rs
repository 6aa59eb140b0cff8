//! The store's unit tests drive the core's operations on an in-memory
//! SQLite database through this one handle, with plain integer ids.

use super::SqliteStore;
use crate::core::error::Result;
use crate::core::id::TokenId;
use crate::core::model::{Event, Token, Verdict};
use crate::core::ops::{self, Change, NewToken, Purge};
use crate::core::policy::Expiry;
use crate::core::rules::Wanted;
use crate::core::token::Secret;
use crate::core::verify;
use crate::store::{self, ListFilter, Store};
use crate::time::{Epoch, Timestamp};

/// An id from a test's literal; 0 stands for an id that is no id.
pub fn id(n: u64) -> TokenId {
    TokenId::new(i64::try_from(n).unwrap_or(i64::MAX)).unwrap_or(TokenId::new(i64::MAX).unwrap())
}

/// The expiry of a test's literal: at that time, or never.
pub fn expiry(at: Option<Epoch>) -> Expiry {
    at.map_or(Expiry::Never, |t| Expiry::At(Timestamp(t)))
}

fn wanted(scopes: &[String]) -> Wanted<'_> {
    Wanted {
        scopes,
        owner: None,
    }
}

/// A database for one test.
pub struct Db(pub SqliteStore);

impl Db {
    pub fn open_in_memory() -> Result<Db> {
        SqliteStore::open_in_memory().map(Db)
    }

    pub fn create(&mut self, new: &NewToken, actor: &str, now: Epoch) -> Result<(Token, Secret)> {
        ops::create(&mut self.0, new, actor, now).map(|(t, s, _)| (t, s))
    }

    pub fn create_many(
        &mut self,
        tokens: impl IntoIterator<Item = NewToken>,
        actor: &str,
        now: Epoch,
        mut each: impl FnMut(i64, Secret) -> Result<()>,
    ) -> Result<u64> {
        let tokens: Vec<NewToken> = tokens.into_iter().collect();
        ops::create_many(&mut self.0, &tokens, actor, now, &mut |id, s| {
            each(id.get(), s)
        })
    }

    pub fn verify(&mut self, presented: &str, scopes: &[String], now: Epoch) -> Result<Verdict> {
        verify::verify(&mut self.0, presented, &wanted(scopes), now)
    }

    /// A verdict without recording use.
    pub fn check(&mut self, presented: &str, scopes: &[String], now: Epoch) -> Result<Verdict> {
        let Some(hash) = verify::hash_of(presented) else {
            return Ok(crate::core::rules::malformed());
        };
        let found = store::read(&mut self.0, |r| {
            let mut found = Vec::new();
            r.by_hashes(std::slice::from_ref(&hash), &mut found)?;
            Ok(found.pop().flatten())
        })?;
        Ok(crate::core::rules::verdict(found, &wanted(scopes), now))
    }

    pub fn get(&mut self, n: u64) -> Result<Option<Token>> {
        store::read(&mut self.0, |r| r.get(id(n)))
    }

    pub fn require(&mut self, n: u64) -> Result<Token> {
        ops::require(&mut self.0, id(n))
    }

    pub fn revoke(
        &mut self,
        n: u64,
        actor: &str,
        now: Epoch,
        detail: Option<&str>,
    ) -> Result<Change> {
        ops::revoke(&mut self.0, id(n), actor, now, detail)
    }

    pub fn revoke_owner(&mut self, owner: &str, actor: &str, now: Epoch) -> Result<Vec<Token>> {
        ops::revoke_owner(&mut self.0, owner, actor, now)
    }

    pub fn live_tokens_of(&mut self, owner: &str) -> Result<Vec<Token>> {
        store::read(&mut self.0, |r| r.live_tokens_of(owner))
    }

    pub fn reset(
        &mut self,
        n: u64,
        expires_at: Option<Epoch>,
        actor: &str,
        now: Epoch,
    ) -> Result<(Token, Secret)> {
        let asked = ops::Reset {
            expiry: expiry(expires_at),
            ..ops::Reset::default()
        };
        ops::reset(&mut self.0, id(n), &asked, actor, now)
    }

    pub fn set_disabled(
        &mut self,
        n: u64,
        disabled: bool,
        actor: &str,
        now: Epoch,
    ) -> Result<Change> {
        ops::set_disabled(&mut self.0, id(n), disabled, actor, now)
    }

    pub fn purge(&mut self, what: Purge, actor: &str, now: Epoch) -> Result<Vec<i64>> {
        let ids = ops::purge(&mut self.0, what, actor, now)?;
        Ok(ids.into_iter().map(TokenId::get).collect())
    }

    pub fn list(
        &mut self,
        filter: &ListFilter,
        now: Epoch,
        mut each: impl FnMut(Token) -> Result<()>,
    ) -> Result<()> {
        self.0
            .read_once(&mut |r| ops::list(r, filter, now, &mut each))
    }

    pub fn log(
        &mut self,
        n: Option<u64>,
        limit: Option<u32>,
        mut each: impl FnMut(Event) -> Result<()>,
    ) -> Result<()> {
        let filter = store::LogFilter {
            token: n.map(id),
            limit,
            ..store::LogFilter::default()
        };
        self.0.read_once(&mut |r| ops::log(r, &filter, &mut each))
    }

    /// The events `log` streams, collected.
    pub fn events(&mut self, n: Option<u64>, limit: Option<u32>) -> Result<Vec<Event>> {
        let mut all = Vec::new();
        self.log(n, limit, |e| {
            all.push(e);
            Ok(())
        })?;
        Ok(all)
    }

    pub fn prefix(&self) -> Result<String> {
        Ok(self.0.prefix().to_owned())
    }

    pub fn read_only(&self) -> bool {
        self.0.read_only()
    }
}
