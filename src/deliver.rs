//! Handing a new secret over, exactly once, after its transaction has
//! committed; a secret that cannot be handed over is revoked at once, since
//! nobody holds it (SPEC §3, "Secrets on the way out").

use std::io;
use std::os::fd::AsFd;

use zeroize::Zeroizing;

use crate::cmd::Ctx;
use crate::core::error::{Result, runtime};
use crate::core::model::{Token, TokenJson};
use crate::core::ops;
use crate::core::token::Secret;
use crate::guard::{self, Undo};
use crate::store::{Store, Target};
use crate::time;

/// Prints a new secret exactly once. If it cannot be delivered (stdout
/// closed, `/dev/null`, full, a broken pipe, or a signal while the write
/// waits), the token is revoked with a `secret not delivered` event.
pub fn deliver(
    store: &mut dyn Store,
    ctx: &mut Ctx,
    token: &Token,
    secret: Secret,
    verb: &str,
) -> Result<u8> {
    let json = ctx.out.json.then(|| token.json(ctx.now));
    let buf = secret_bytes(json, &secret)?;
    drop(secret);
    let delivered = match nobody_reads_stdout() {
        Some(why) => Err(io::Error::other(why)),
        None => ctx.out.deliver_secret(&buf),
    };
    drop(buf);
    if let Err(e) = delivered {
        let detail = format!("secret not delivered: {e}");
        let id = token.id;
        let revoked = ops::revoke(store, id, &ctx.actor, ctx.now, Some(&detail));
        guard::set(Undo::Nothing);
        return Err(match revoked {
            Ok(_) => runtime(format!(
                "could not write the secret of token {id} to stdout ({e}); the token was revoked, since nobody holds its secret"
            )),
            Err(r) => runtime(format!(
                "could not write the secret of token {id} to stdout ({e}), and revoking it failed too ({r}); \
                 nobody holds its secret: revoke it with 'tokenctl revoke {id} --yes'"
            )),
        });
    }
    guard::set(Undo::Nothing);
    ctx.out.note(format!(
        "{verb} token {} {}",
        token.id,
        crate::phrase::describe(token, ctx.now)
    ));
    ctx.out
        .note("This is the only time the secret is shown: store it now.");
    Ok(0)
}

/// Runs `issue` (a transaction that commits a new secret) so that a signal
/// arriving from now until [`deliver`] is done revokes the token instead of
/// leaving an active one that nobody holds.
pub fn issuing<T>(
    target: Target,
    actor: &str,
    issue: impl FnOnce() -> Result<(Token, T)>,
) -> Result<(Token, T)> {
    guard::watch()?;
    guard::set(Undo::Committing);
    let issued = issue();
    match &issued {
        Ok((token, _)) => {
            let id = token.id;
            let actor = actor.to_owned();
            guard::set(Undo::Run(Box::new(move |signal| {
                let detail = format!(
                    "secret not delivered: interrupted by {}",
                    guard::name(signal)
                );
                if let Ok(mut store) = target.open_existing() {
                    let _ = ops::revoke(store.as_mut(), id, &actor, time::now(), Some(&detail));
                }
            })));
        }
        Err(_) => guard::set(Undo::Nothing),
    }
    issued
}

/// Why nobody can read what goes to stdout, if so: a closed stdout (which
/// the runtime replaces with `/dev/null` before `main`) or `/dev/null`.
fn nobody_reads_stdout() -> Option<&'static str> {
    let out = rustix::fs::fstat(io::stdout().as_fd()).ok()?;
    let null = rustix::fs::stat("/dev/null").ok()?;
    let is_char =
        rustix::fs::FileType::from_raw_mode(out.st_mode) == rustix::fs::FileType::CharacterDevice;
    (is_char && out.st_rdev == null.st_rdev).then_some("stdout is closed or /dev/null")
}

/// What delivers a secret: the token JSON with it, or the secret alone,
/// and a newline. Sized exactly up front: a growing buffer would leave
/// copies of the secret behind in memory it gave back without wiping.
pub(crate) fn secret_bytes(
    json: Option<TokenJson<'_>>,
    secret: &Secret,
) -> Result<Zeroizing<Vec<u8>>> {
    let json = json.map(|j| j.with_secret(secret.expose()));
    let len = match &json {
        Some(json) => {
            let mut count = Count(0);
            serde_json::to_writer(&mut count, json).map_err(anyhow::Error::from)?;
            count.0
        }
        None => secret.expose().len(),
    };
    let mut buf = Zeroizing::new(Vec::with_capacity(len + 1));
    match &json {
        Some(json) => serde_json::to_writer(&mut *buf, json).map_err(anyhow::Error::from)?,
        None => buf.extend_from_slice(secret.expose().as_bytes()),
    }
    buf.push(b'\n');
    Ok(buf)
}

/// Counts bytes written, to size a buffer before a secret goes into it.
struct Count(usize);

impl io::Write for Count {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_buffer_never_grows() {
        let secret = Secret::generate("tok").unwrap();
        let token = Token {
            id: crate::core::id::TokenId::new(7).unwrap(),
            name: "é".repeat(100),
            owner: Some("ü".repeat(200)),
            // Far more than any fixed guess at the size would hold.
            scopes: (0..500)
                .map(|i| format!("scope{i}-{}", "x".repeat(50)))
                .collect(),
            disabled: false,
            last4: secret.last4().to_owned(),
            prefix: "tok".into(),
            created_at: 0,
            created_by: "ops".into(),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
            previous_valid_until: None,
        };
        for json in [None, Some(token.json(0))] {
            let buf = secret_bytes(json, &secret).unwrap();
            assert_eq!(buf.len(), buf.capacity(), "the buffer was reallocated");
            assert!(buf.ends_with(b"\n"));
            let text = std::str::from_utf8(&buf).unwrap();
            assert!(text.contains(secret.expose()));
        }
        let buf = secret_bytes(Some(token.json(0)), &secret).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["token"], secret.expose());
        assert_eq!(v["scopes"].as_array().unwrap().len(), 500);
    }
}
