//! Every clap type of the command line: the `///` comments here are the help
//! text, the completion scripts and the man pages.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::core::model::Action;
use crate::core::policy::{Expiry, Key};
use crate::time::{Duration, Timestamp};
use crate::validate;

/// Administer API tokens kept in an SQLite file or in PostgreSQL.
///
/// An operator issues a token for a person or an application; its secret is
/// printed exactly once, and from then on only a masked form (tok_****F7bX)
/// is shown. Applications and scripts check presented tokens with verify,
/// reading the token from stdin. --db takes a file path, or a
/// postgresql:// URL for PostgreSQL (the password from $PGPASSWORD, never
/// from the command line).
#[derive(Debug, Parser)]
#[command(
    name = "tokenctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub global: Global,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options that every command takes, shown apart from each command's own.
///
/// `--db` and `--actor` are the flags alone: the dispatcher falls back on
/// `TOKENCTL_DB` and `TOKENCTL_ACTOR` itself, so the help shows no value of
/// the environment and only commands that record an actor check one.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)
    #[arg(long, global = true)]
    pub json: bool,

    /// Print only the data the command exists for (a new secret); no notes
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user
    #[arg(long, global = true, value_name = "NAME")]
    pub actor: Option<String>,
}

/// When human output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

/// The subcommands.
// `defer`: a command's arguments are built only when it runs (or when the
// whole tree is built, for help, completions and man pages), so one
// `verify` does not build the other sixteen commands' (9% of its time).
// A deferred command takes the `about` of its arguments' type in place of
// its own, which is why the `Args` and `Subcommand` types below have no
// doc comment. Clap copies the tree of
// `tokenctl help ...` before it builds the commands, so the completion
// scripts offer no subcommand after `help policy`.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Create the database, optionally with a token prefix (create does this too)
    ///
    /// On an existing database this succeeds when nothing would change and
    /// fails with exit 6 when it asks for a different prefix.
    Init {
        /// Token prefix for this database: a lowercase letter, then 1-15 lowercase letters or digits
        #[arg(long, value_name = "P", value_parser = parse_prefix)]
        prefix: Option<String>,
    },

    /// Issue a token and print its secret, once
    ///
    /// The secret goes to stdout; the note that it will not be shown again goes
    /// to stderr. With -q stdout is the secret and a newline, nothing else:
    /// TOKEN=$(tokenctl -q create --name ci)
    ///
    /// Without --expires-in, --expires-at or --no-expiry the token expires
    /// after the policy's default-lifetime: 180 days unless set.
    ///
    /// The database's policy holds (see `tokenctl policy`): a rule that
    /// forbids the token is exit 6, naming the rule. Under one-per-owner,
    /// --replace revokes the owner's live token and issues the new one in one
    /// transaction, after a question that names the token that goes (--yes
    /// in scripts; without a terminal and without --yes it refuses with exit
    /// 2); its "revoked" event says "replaced by token N".
    Create(CreateArgs),

    /// List tokens, secrets masked
    List(ListArgs),

    /// Show one token in detail, secret masked
    Show {
        /// Token id
        #[arg(value_parser = parse_id, allow_negative_numbers = true)]
        id: Id,
    },

    /// Revoke a token, or every token of an owner not revoked yet; irreversible
    ///
    /// A revoked token never verifies again (verify answers "revoked") and
    /// cannot be reset, enabled or disabled. Its masked record and its history
    /// stay until `purge --include-revoked` removes the record.
    ///
    /// On a terminal it asks first, naming the token's id, name, owner and
    /// masked secret. Only a line saying y or yes (any case) confirms;
    /// anything else (n, an empty line, Ctrl-D) declines and exits 1 with
    /// nothing changed, and Ctrl-C changes nothing either. --yes skips the
    /// question. Without a terminal on stdin and without --yes it refuses
    /// with exit 2, so a script never hangs.
    ///
    /// An unknown id is exit 5. Revoking a revoked token is exit 0 with a
    /// note, and asks nothing.
    ///
    /// With --owner O instead of an id, every token of O that is not revoked
    /// yet (active, disabled or expired) is revoked in one transaction, after
    /// one question that says how many. The owner is matched exactly: an
    /// owner with no token at all is exit 5 (owners that differ only in case
    /// are suggested); one whose tokens are all revoked is exit 0 with a note.
    ///
    /// Output: -q prints nothing; --json prints the token object (with
    /// --owner: an array of the tokens this command revoked).
    Revoke(RevokeArgs),

    /// Give a token a new secret under the same id; the old secret stops working at once, or after --grace
    ///
    /// Name, owner and scopes are kept, and so is the disabled switch: a
    /// disabled token stays disabled. The expiry is set anew, as by create:
    /// --expires-in, --expires-at or --no-expiry, else the policy's default
    /// lifetime (180 days) from now, so an expired token becomes valid again.
    /// Its last use is cleared. --owner hands the token to a new owner in the
    /// same step.
    ///
    /// With --grace D the replaced secret keeps verifying until now + D (at
    /// most the policy's max-grace, 7d by default): its verdict then carries
    /// grace_until, and the token previous_valid_until. After that, or at
    /// once without --grace, the replaced secret answers "rotated" and names
    /// the token, so whoever still uses it shows. A token remembers only the
    /// secret its latest reset replaced: a second reset ends the first grace.
    /// Revoke, disable and expiry apply to both secrets.
    ///
    /// An unknown id is exit 5; a revoked token is exit 6 (revocation is
    /// final). Then it asks for confirmation exactly like revoke, saying
    /// when the new secret will expire: only y or yes confirms, anything
    /// else declines and exits 1; --yes skips the question; without a
    /// terminal and without --yes it refuses with exit 2.
    ///
    /// The new secret is printed once, like create's: on stdout, with the
    /// note that it will not be shown again on stderr; with -q stdout is the
    /// secret and a newline, nothing else; with --json the token object plus
    /// "token". If it cannot be delivered, the token is revoked (exit 1).
    Reset(ResetArgs),

    /// Switch a disabled token on again
    ///
    /// Reversible, so it asks nothing. Enabling an enabled token is exit 0
    /// with a note; an unknown id is exit 5; a revoked token is exit 6. An
    /// expired token is switched on but stays invalid until it is reset.
    /// -q prints nothing; --json prints the token object.
    Enable {
        /// Token id
        #[arg(value_parser = parse_id, allow_negative_numbers = true)]
        id: Id,
    },

    /// Switch a token off until `enable` switches it on; verify then answers "disabled"
    ///
    /// Reversible, so it asks nothing; nothing else about the token changes.
    /// Disabling a disabled token is exit 0 with a note; an unknown id is
    /// exit 5; a revoked token is exit 6. -q prints nothing; --json prints the
    /// token object.
    Disable {
        /// Token id
        #[arg(value_parser = parse_id, allow_negative_numbers = true)]
        id: Id,
    },

    /// Check a token read from stdin (never from the command line)
    ///
    /// Reads one line, trims surrounding whitespace, and answers: exit 0 when
    /// the token is valid; 3 when it is rejected (malformed, unknown, rotated,
    /// revoked, expired, disabled, wrong_owner, checked in this order); 4 when
    /// it is valid but lacks a required scope. --owner O also requires the
    /// token to belong to O, exactly (a token used with its user's e-mail). A
    /// token whose checksum does not match is malformed without a database
    /// lookup. The token is never taken from argv, which every user can read
    /// in ps and which lands in shell history:
    ///
    /// printf '%s\n' "$TOKEN" | tokenctl -q verify --require-scope deploy
    ///
    /// Output: a line for people; with --json the verdict
    /// {"valid", "reason", "token", "grace_until"} (grace_until: when a
    /// replaced secret inside its grace period stops verifying); with -q
    /// nothing, the exit code is the
    /// answer. A valid token's use is recorded at most about once a minute;
    /// on a database this user can only read, nothing is recorded.
    ///
    /// With --batch it reads one token per line until end of input and
    /// writes one JSON verdict per line, in order, flushed whenever it waits
    /// for more input, so it also serves as a co-process. It exits 0 once
    /// every line is answered, whatever the verdicts, and reads the clock for
    /// every line, so a long-running batch never accepts an expired token.
    Verify(VerifyArgs),

    /// Answer verify and administration requests over HTTP
    ///
    /// For proxies, GET /auth (nginx auth_request, Traefik ForwardAuth, Envoy
    /// ext_authz, Caddy forward_auth) answers 200 with X-Token-* headers, 401
    /// or 403; for services, POST /v1/verify answers the verify result as
    /// JSON; the admin API under /v1/tokens, /v1/log and /v1/policy takes a
    /// token with the scope admin. The token is read from Authorization:
    /// Bearer, Api-Token or X-Api-Key, never from the URL. GET /openapi.json
    /// describes every route; /healthz and /readyz answer probes.
    ///
    /// A change committed by any tokenctl process is seen by the next request
    /// on SQLite and within half a second on PostgreSQL (what a lookup found
    /// is reused only while the database shows no change since). One line per
    /// request goes to stderr (time, method, path, status, duration, token
    /// id), never a secret. SIGTERM or SIGINT stops accepting, finishes the
    /// requests in flight (at most 10 s) and exits 0.
    ///
    /// A --listen address other than loopback needs --tls-cert and --tls-key,
    /// or --allow-plain-http when a proxy in front of it terminates TLS; else
    /// exit 2.
    Serve(ServeArgs),

    /// Delete expired (and optionally revoked) tokens, for cron
    ///
    /// Deletes every token whose expiry lies at least --older-than in the past
    /// (by default every expired token, whatever else its state), and with
    /// --include-revoked also every token revoked at least --older-than ago.
    /// It asks nothing: what it deletes is dead already.
    ///
    /// Each deleted token gets a "purged" event in the audit trail, in the
    /// same transaction; the trail keeps the history of purged tokens, and
    /// their ids are never issued again.
    ///
    /// Output: a note on stderr naming the ids; -q prints nothing at all on
    /// success, so cron mails only on trouble; --json prints
    /// {"purged": N, "ids": [...], "dry_run": false}. --dry-run changes
    /// nothing (not even by creating a missing database) and reports what
    /// would go.
    Purge(PurgeArgs),

    /// Show the audit trail of changes, oldest first
    ///
    /// One event per change: created, reset, revoked, enabled, disabled,
    /// purged, edited, policy, loaded, with its time (UTC), actor and token
    /// id, and a detail: what created issued, what reset set, what edit
    /// changed, why a revoke happened. Each event was written in the same
    /// transaction as its change, and the trail survives purge: `log ID`
    /// still shows a purged token's history, while an id that was never
    /// issued is exit 5.
    ///
    /// --since, --action and --by filter; --limit then keeps the most recent
    /// N. --follow prints the matching events, then each new one as any
    /// process commits it, within a second, until interrupted; a reader that
    /// goes away ends it quietly with exit 0.
    ///
    /// A table for people; with --json an array of
    /// {"seq", "at", "token_id", "action", "actor", "detail", "hash"},
    /// oldest first (token_id is null for an event of the whole database,
    /// "policy" and "loaded"); with --json --follow, JSON Lines, one event
    /// per line.
    ///
    /// The trail is a hash chain: each event's hash is SHA-256 over the hash
    /// of the event before it and the event's JSON object without its hash,
    /// so changing, removing or inserting a row by hand breaks the chain
    /// from there on. --verify recomputes it: exit 0 and "audit trail
    /// intact: N events, head SEQ:HASH", or exit 7 naming the first event
    /// that does not match (--json: {"intact", "events", "head", "broken"}).
    /// Someone who may write the database can rewrite the whole chain, so
    /// keep what --head prints (SEQ:HASH; --json {"seq", "hash"}) where the
    /// database's writers cannot reach, and check with --verify
    /// --expect-head SEQ:HASH: a trail rolled back to an older copy, cut
    /// short, or rewritten before that event fails it.
    Log(LogArgs),

    /// Change a token's name, owner, scopes or expiry; never its secret
    ///
    /// The same flags and checks as create: --scope replaces the set of
    /// scopes, --add-scope and --remove-scope change it (removing the last
    /// one is refused); --owner or --no-owner; --expires-in, --expires-at or
    /// --no-expiry set the expiry anew. The database's policy holds for the
    /// result (see `tokenctl policy`).
    ///
    /// It asks nothing (an edit can be edited back) and writes one "edited"
    /// event whose detail lists each change, old and new. No flag at all is
    /// a usage error (exit 2); values that are already as given are exit 0
    /// with a note and no event; an unknown id is exit 5; a revoked token is
    /// exit 6. -q prints nothing; --json prints the token afterwards.
    Edit(EditArgs),

    /// Show or change the database's policy: the rules for new and changed tokens
    ///
    /// The rules are kept in the database, so every user and host of it obeys
    /// the same ones. default-lifetime D: the expiry of a new or reset token
    /// given none (built in: 180d, capped at max-lifetime). max-lifetime D: no
    /// expiry beyond now + D, and no --no-expiry (none). one-per-owner on|off:
    /// an owner holds at most one live token, not revoked and not expired
    /// (off). require-owner on|off: every new token names an owner (off).
    /// allowed-scopes S,S,...: no other scope at create or edit (any).
    /// max-grace D: the longest reset --grace (7d).
    ///
    /// `policy` shows them (with --json an object of every key, snake_case,
    /// and the value in force); `policy set KEY VALUE` and `policy unset KEY`
    /// change one, each with a "policy" event in the trail. Unknown keys and
    /// bad values are usage errors (exit 2). A rule holds for the result of
    /// every later create, edit and reset, which it refuses with exit 6 and a
    /// line naming the rule; setting it changes no existing token, and a note
    /// names the live tokens that do not meet it.
    Policy(PolicyArgs),

    /// Write the whole database to stdout as JSON Lines, to back it up or move it
    ///
    /// A header line {"tokenctl_dump": 1, "prefix": "tok"}, then every token
    /// with the SHA-256 of its secret (never a secret), every audit event,
    /// and the highest id ever issued, {"last_id": N}. The lines hold no
    /// time of the dump and no backend's name, so two dumps of the same data
    /// are equal, and a dump of SQLite loaded into PostgreSQL dumps the same
    /// again (but for the event that load adds). Read from one snapshot.
    Dump,

    /// Fill an empty database from a dump read on stdin, keeping ids, hashes and the trail
    ///
    /// The database may be missing (load creates it, with the dump's prefix),
    /// or exist with no token and no event and the dump's prefix; anything
    /// else is exit 6. Every line is checked before anything is written: a
    /// line that is not valid dump input is exit 2 naming its number, and
    /// nothing is loaded. Ids, secrets' hashes, times, the trail and the id
    /// high-water mark are kept, in one transaction, so every secret issued
    /// before still verifies and no id is issued twice; then one "loaded"
    /// event is appended.
    Load,

    /// Find this database's tokens in files, directories or stdin, and say which are live
    ///
    /// Walks each PATH (default: the current directory; - reads stdin) the
    /// way ripgrep does: .gitignore (inside a git repository), .ignore and
    /// git's exclude files are honoured, hidden files and directories are
    /// skipped (--hidden takes them), and --no-ignore searches everything,
    /// hidden files included. Symbolic links met in the walk are not
    /// followed; binary files met in the walk (a NUL byte) are skipped,
    /// while a file given by name and stdin are searched whole, binary or
    /// not, as ripgrep does; anything that is not a regular file (a FIFO, a
    /// device, a socket) is skipped without being read, and large files
    /// are read in pieces, so memory stays flat.
    ///
    /// A finding is this database's prefix, _ and 49 base62 characters,
    /// whatever stands next to them, whose checksum is right: look-alikes
    /// with a wrong checksum and tokens of another prefix are ignored. Each is
    /// looked up by its hash and reported as active, disabled, expired,
    /// revoked, rotated (a secret reset replaced; inside its grace period it
    /// is active) or unknown (well formed, not from this database). The
    /// secret itself is never printed, only its masked form.
    ///
    /// Output, one finding a line: PATH:LINE:COLUMN, the masked secret, the
    /// token and its status (lines and columns from 1, columns counting
    /// characters). --format jsonl (or --json): one JSON object per finding,
    /// {"path", "line", "column", "masked", "status", "token"}, token being
    /// the token object or null for unknown. --format sarif: one SARIF 2.1.0
    /// document for code scanning (rule tokenctl/live-token for live tokens,
    /// tokenctl/inactive-token for the others). -q prints nothing in human
    /// format: the exit code is the answer.
    ///
    /// Exit 7 when a live token (active or disabled) was found, also when
    /// --revoke revoked it; else 0; 1 on a runtime error (the database). A
    /// path that cannot be read is a note on stderr and the scan goes on.
    /// The exit code is the same whatever happens to stdout.
    ///
    /// --revoke revokes every live token found, in one transaction, after
    /// one question that lists them; each "revoked" event's detail is
    /// "leaked: PATH:LINE", the first place it was found. Only y or yes
    /// confirms; anything else exits 1 with nothing revoked. --yes skips the
    /// question. Without --yes and without a terminal, or with - among the
    /// paths (stdin is the data, not an answer), it refuses with exit 2
    /// before scanning.
    ///
    /// --rules gitleaks prints a gitleaks rule (TOML) for this database's
    /// prefix instead of scanning, for a repository that already runs
    /// gitleaks. It matches the same strings but cannot check the checksum.
    Scan(ScanArgs),

    /// Print a shell completion script
    ///
    /// The script completes commands, options and their fixed values; it is
    /// the file of the same name in completions/, and printing it opens no
    /// database.
    ///
    /// Dynamic completion offers more: the ids of the database's tokens
    /// after show, revoke, reset, enable, disable and log (described by
    /// name, owner and state where the shell shows descriptions) and its
    /// owners after --owner. The shell then asks tokenctl itself at each
    /// Tab, with COMPLETE set to its name, so the completions always match
    /// the binary. Instead of this script, have the shell load what
    /// COMPLETE=bash tokenctl (or zsh, or fish) prints, each time it starts;
    /// the examples show the line for each.
    /// The database is the one --db on the line being typed names, else
    /// $TOKENCTL_DB, else the default; it is only read, and only when it
    /// exists (nothing is ever created), and anything that stops a command
    /// from opening it means no candidates and no message. Nothing offered
    /// is a secret, and names and owners are shown escaped as in tables.
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// A token id: a positive integer.
pub type Id = crate::core::id::TokenId;

// When a token expires; at most one of these flags. Without any, create
// and reset take the policy's default-lifetime, and edit leaves it (no doc
// comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args, Clone, Default)]
#[group(multiple = false)]
pub struct ExpiryArgs {
    /// Expire this long from now, e.g. 90d, 12h, 2w, 1d12h
    #[arg(long, value_name = "D", allow_hyphen_values = true)]
    pub expires_in: Option<Duration>,

    /// Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub expires_at: Option<Timestamp>,

    /// Never expire
    #[arg(long)]
    pub no_expiry: bool,
}

impl ExpiryArgs {
    /// The expiry these flags ask for; none: the policy's default.
    pub fn asked(&self) -> Expiry {
        self.given().unwrap_or_default()
    }

    /// The expiry these flags ask for, if any flag is given.
    pub fn given(&self) -> Option<Expiry> {
        if self.no_expiry {
            Some(Expiry::Never)
        } else if let Some(at) = self.expires_at {
            Some(Expiry::At(at))
        } else {
            self.expires_in.map(Expiry::In)
        }
    }
}

// Arguments of `create` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Display name, 1-100 characters, no control characters
    #[arg(long, value_name = "N", value_parser = checked(validate::name))]
    pub name: String,

    /// The user, e-mail or application the token belongs to
    #[arg(long, value_name = "O", value_parser = checked(validate::owner))]
    pub owner: Option<String>,

    /// A scope to grant (repeatable): a-z first, then a-z 0-9 : . _ - [default: read, write]
    #[arg(long = "scope", value_name = "S", value_parser = checked(validate::scope))]
    pub scopes: Vec<String>,

    /// When the secret expires.
    #[command(flatten)]
    pub expiry: ExpiryArgs,

    /// Revoke the owner's live token in the same transaction, after a confirmation
    #[arg(long, requires = "owner")]
    pub replace: bool,

    /// With --replace: do not ask for confirmation (needed without a terminal)
    #[arg(short, long, requires = "replace")]
    pub yes: bool,
}

// Arguments of `edit` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct EditArgs {
    /// Token id
    #[arg(value_parser = parse_id, allow_negative_numbers = true)]
    pub id: Id,

    /// A new display name
    #[arg(long, value_name = "N", value_parser = checked(validate::name))]
    pub name: Option<String>,

    /// A new owner
    #[arg(long, value_name = "O", value_parser = checked(validate::owner), conflicts_with = "no_owner")]
    pub owner: Option<String>,

    /// Remove the owner
    #[arg(long)]
    pub no_owner: bool,

    /// Replace the scopes with these (repeatable)
    #[arg(long = "scope", value_name = "S", value_parser = checked(validate::scope))]
    pub scopes: Vec<String>,

    /// Add a scope (repeatable)
    #[arg(long = "add-scope", value_name = "S", value_parser = checked(validate::scope))]
    pub add_scopes: Vec<String>,

    /// Remove a scope (repeatable)
    #[arg(long = "remove-scope", value_name = "S", value_parser = checked(validate::scope))]
    pub remove_scopes: Vec<String>,

    /// A new expiry; none of these flags: unchanged.
    #[command(flatten)]
    pub expiry: ExpiryArgs,
}

// Arguments of `policy` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// What to do; none: show the policy.
    #[command(subcommand)]
    pub action: Option<PolicyAction>,
}

// The changes of `policy` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum PolicyAction {
    /// Set a rule: default-lifetime, max-lifetime, one-per-owner, require-owner, allowed-scopes, max-grace
    Set {
        /// The rule
        #[arg(value_name = "KEY", value_parser = policy_key)]
        key: Key,
        /// Its value: a duration (90d), on or off, or scopes separated by commas
        #[arg(value_name = "VALUE", allow_hyphen_values = true)]
        value: String,
    },
    /// Unset a rule: its built-in default is in force again
    Unset {
        /// The rule
        #[arg(value_name = "KEY", value_parser = policy_key)]
        key: Key,
    },
}

// Arguments of `list` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only tokens in this state
    #[arg(long, value_enum, value_name = "S")]
    pub status: Option<crate::Status>,

    /// Only tokens of this owner
    #[arg(long, value_name = "O")]
    pub owner: Option<String>,

    /// Only tokens, not revoked, that expire within this long from now
    #[arg(long, value_name = "D", allow_hyphen_values = true)]
    pub expiring_within: Option<Duration>,
}

// Arguments of `revoke` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").args(["id", "owner"]).required(true)))]
pub struct RevokeArgs {
    /// Token id
    #[arg(value_parser = parse_id, allow_negative_numbers = true, conflicts_with = "owner")]
    pub id: Option<Id>,

    /// Instead of one token: every token of this owner not revoked yet, in one transaction
    #[arg(long, value_name = "O", value_parser = checked(validate::owner))]
    pub owner: Option<String>,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(short, long)]
    pub yes: bool,
}

// Arguments of `scan` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to search; - reads stdin [default: .]
    #[arg(value_name = "PATH", conflicts_with = "rules")]
    pub paths: Vec<PathBuf>,

    /// Search ignored and hidden files too (.gitignore, .ignore, git's excludes)
    #[arg(long)]
    pub no_ignore: bool,

    /// Search hidden files and directories, still honouring ignore files
    #[arg(long)]
    pub hidden: bool,

    /// Output format [default: human; jsonl with the global JSON option]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ScanFormat>,

    /// Revoke every live token found, in one transaction, after one confirmation
    #[arg(long, conflicts_with = "rules")]
    pub revoke: bool,

    /// With --revoke: do not ask for confirmation (needed without a terminal)
    #[arg(short, long, requires = "revoke")]
    pub yes: bool,

    /// Print a rule for another scanner instead of scanning
    #[arg(long, value_enum, value_name = "SCANNER", conflicts_with_all = ["format", "no_ignore", "hidden"])]
    pub rules: Option<ScanRules>,
}

/// How `scan` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// One line per finding, for people
    Human,
    /// One JSON object per finding (JSON Lines)
    Jsonl,
    /// One SARIF 2.1.0 document, for code-scanning upload
    Sarif,
}

/// The scanners `scan --rules` writes a rule for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanRules {
    /// A gitleaks rule, TOML
    Gitleaks,
}

// Arguments of `reset` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Token id
    #[arg(value_parser = parse_id, allow_negative_numbers = true)]
    pub id: Id,

    /// When the new secret expires.
    #[command(flatten)]
    pub expiry: ExpiryArgs,

    /// Let the replaced secret keep verifying this long, e.g. 1h, 2d (at most the policy's max-grace, 7d by default)
    #[arg(long, value_name = "D", allow_hyphen_values = true)]
    pub grace: Option<Duration>,

    /// Hand the token to this owner in the same step
    #[arg(long, value_name = "O", value_parser = checked(validate::owner))]
    pub owner: Option<String>,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(short, long)]
    pub yes: bool,
}

// Arguments of `verify` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Also require this scope (repeatable); lacking one is exit 4
    #[arg(long = "require-scope", value_name = "S", value_parser = checked(validate::scope))]
    pub require_scopes: Vec<String>,

    /// The token must also belong to this owner, exactly; else it is rejected as wrong_owner
    #[arg(long, value_name = "O", value_parser = checked(validate::owner))]
    pub owner: Option<String>,

    /// Read one token per line until end of input; write one JSON line per input line
    #[arg(long)]
    pub batch: bool,

    /// Refused: a token on the command line is visible in `ps` and shell history
    #[arg(hide = true, value_name = "TOKEN")]
    pub token: Option<std::ffi::OsString>,
}

// Arguments of `serve` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to answer on, e.g. 0.0.0.0:8750 or [::1]:8750
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8750", value_parser = parse_addr)]
    pub listen: std::net::SocketAddr,

    /// Also answer GET /metrics (Prometheus text) on this address; off unless given
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    pub metrics_listen: Option<std::net::SocketAddr>,

    /// Serve HTTPS (and HTTP/2) with this certificate chain, PEM
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert, PEM; nobody but its owner may change it, nobody outside its group read it
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Allow plain HTTP on an address other than loopback (a proxy in front terminates TLS)
    #[arg(long)]
    pub allow_plain_http: bool,
}

// Arguments of `purge` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Only tokens that expired (or were revoked) at least this long ago, e.g. 30d [default: 0s]
    #[arg(long, value_name = "D", allow_hyphen_values = true)]
    pub older_than: Option<Duration>,

    /// Also purge tokens revoked at least --older-than ago, expired or not
    #[arg(long)]
    pub include_revoked: bool,

    /// Report what would be purged; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

// Arguments of `log` (no doc comment: see `Command`).
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only the events of this token (a purged token's too)
    #[arg(value_parser = parse_id, allow_negative_numbers = true)]
    pub id: Option<Id>,

    /// Only the N most recent of the events that pass the other filters, still printed oldest first
    #[arg(long, value_name = "N", value_parser = parse_limit, allow_hyphen_values = true)]
    pub limit: Option<u32>,

    /// Only events at or after this time (RFC 3339 or a date), or within this long back from now (e.g. 24h)
    #[arg(long, value_name = "T|D", value_parser = parse_since, allow_hyphen_values = true)]
    pub since: Option<Since>,

    /// Only events of this action (repeatable): created, reset, revoked, enabled, disabled, purged, edited, policy, loaded
    #[arg(long = "action", value_name = "A", value_parser = parse_action)]
    pub actions: Vec<Action>,

    /// Only events by this actor, exactly
    #[arg(long, value_name = "ACTOR")]
    pub by: Option<String>,

    /// After the events so far, print each new one as it is committed, until interrupted
    #[arg(short, long)]
    pub follow: bool,

    /// Check the whole trail's hash chain: exit 0 if intact, 7 naming the first event that does not match
    #[arg(long, conflicts_with_all = ["id", "limit", "since", "actions", "by", "follow", "head"])]
    pub verify: bool,

    /// With --verify: this event must still be in the trail with this hash, as log --head printed it
    #[arg(long, value_name = "SEQ:HASH", requires = "verify", value_parser = parse_head, allow_hyphen_values = true)]
    pub expect_head: Option<crate::core::chain::Head>,

    /// Print the latest event's number and hash as SEQ:HASH, to keep where the database's writers cannot reach
    #[arg(long, conflicts_with_all = ["id", "limit", "since", "actions", "by", "follow"])]
    pub head: bool,
}

fn parse_head(s: &str) -> Result<crate::core::chain::Head, String> {
    s.parse()
}

pub use crate::time::Since;

fn parse_since(s: &str) -> Result<Since, String> {
    s.parse()
}

fn parse_action(s: &str) -> Result<Action, String> {
    Action::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        format!("an action is one of {}", names.join(", "))
    })
}

fn policy_key(s: &str) -> Result<Key, String> {
    Key::parse(s).map_err(|e| e.to_string())
}

/// The command line as clap knows it. With `examples`, the long help
/// (`--help`) of tokenctl and of each command ends with the examples the
/// man pages show, taken from the same place, `crate::docs`; building them
/// costs every run a little, so only a run that asks for help gets them.
pub fn command(examples: bool) -> clap::Command {
    let cmd = <Cli as clap::CommandFactory>::command();
    if examples {
        cmd.after_long_help(crate::docs::help_examples(None))
            .mut_subcommands(crate::docs::with_help_examples)
    } else {
        cmd
    }
}

/// Parses this process's command line.
pub fn parse() -> Result<Cli, clap::Error> {
    parse_from(std::env::args_os().collect())
}

/// Parses a command line, `args[0]` the program.
pub fn parse_from(args: Vec<std::ffi::OsString>) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    if let Some(cli) = as_verify(&args) {
        return Ok(cli);
    }
    let help = args.iter().skip(1).any(|a| a == "--help" || a == "help");
    let matches = command(help).try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// `args` as a `verify` in the shapes scripts and proxies write for every
/// token they check (`tokenctl [--db P] verify [--json] [--owner O] ...`),
/// read without clap: building even a command of only `verify` and
/// matching against it was a tenth of a `verify` process's instructions.
/// Only what the whole command line accepts, and reads the same, is taken
/// here: each option at most once at each level (a global one at both
/// levels counts as clap merges them: the later wins, a flag is set by
/// either), every value as its parser checks it. Anything else (help, a
/// version, another command, `--`, bundled short flags, a value that
/// starts with `-`, a token as an argument, a mistake) is `None`, parsed
/// again by the whole command line, so what it says is the same; a test
/// compares the two.
fn as_verify(args: &[std::ffi::OsString]) -> Option<Cli> {
    let mut words = args.iter().skip(1).map(|a| a.to_str());
    // One level's global options: [outer, inner].
    let mut global: [Given; 2] = Default::default();
    let mut level = 0;
    let mut verify = VerifyArgs {
        require_scopes: Vec::new(),
        owner: None,
        batch: false,
        token: None,
    };
    while let Some(word) = words.next() {
        let word = word?;
        if word == "verify" && level == 0 {
            level = 1;
            continue;
        }
        let (name, inline) = match word.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (word, None),
        };
        let mut value = || -> Option<&str> {
            let v = match inline {
                Some(v) => v,
                None => words.next()??,
            };
            (!v.is_empty() && !v.starts_with('-')).then_some(v)
        };
        let g = &mut global[level];
        match (name, level) {
            ("--json", _) if inline.is_none() => once_flag(&mut g.json)?,
            ("-q" | "--quiet", _) if inline.is_none() => once_flag(&mut g.quiet)?,
            ("--db", _) => once(&mut g.db, PathBuf::from(value()?))?,
            ("--actor", _) => once(&mut g.actor, value()?.to_owned())?,
            ("--color", _) => {
                let c = <ColorChoice as ValueEnum>::from_str(value()?, false).ok()?;
                once(&mut g.color, c)?;
            }
            ("--batch", 1) if inline.is_none() => once_flag(&mut verify.batch)?,
            ("--owner", 1) => {
                let owner = validate::owner(value()?).ok()?.to_owned();
                once(&mut verify.owner, owner)?;
            }
            ("--require-scope", 1) => {
                let scope = validate::scope(value()?).ok()?.to_owned();
                verify.require_scopes.push(scope);
            }
            _ => return None,
        }
    }
    if level == 0 {
        return None;
    }
    let [outer, inner] = global;
    Some(Cli {
        global: Global {
            db: inner.db.or(outer.db),
            json: inner.json || outer.json,
            quiet: inner.quiet || outer.quiet,
            color: inner.color.or(outer.color).unwrap_or(ColorChoice::Auto),
            actor: inner.actor.or(outer.actor),
        },
        command: Command::Verify(verify),
    })
}

/// The global options given at one level of a command line.
#[derive(Default)]
struct Given {
    db: Option<PathBuf>,
    json: bool,
    quiet: bool,
    color: Option<ColorChoice>,
    actor: Option<String>,
}

/// Sets an option given once; `None` when it was given before.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

/// Sets a flag given once; `None` when it was given before.
fn once_flag(flag: &mut bool) -> Option<()> {
    (!std::mem::replace(flag, true)).then_some(())
}

/// A clap value parser from one of the [`validate`] checks.
fn checked(
    check: fn(&str) -> crate::Result<&str>,
) -> impl Fn(&str) -> Result<String, String> + Clone {
    move |s| check(s).map(str::to_owned).map_err(|e| e.to_string())
}

fn parse_id(s: &str) -> Result<Id, String> {
    s.parse()
}

fn parse_limit(s: &str) -> Result<u32, String> {
    digits(s)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            format!(
                "a limit is a whole number of at most {}, digits only",
                u32::MAX
            )
        })
}

/// `s` as a number when it is nothing but ASCII digits: `str::parse` also
/// takes a leading `+`, which nobody types for an id on purpose.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_addr(s: &str) -> Result<std::net::SocketAddr, String> {
    s.parse().map_err(|_| {
        "an address is an IP address and a port, e.g. 127.0.0.1:8750, 0.0.0.0:8750 or [::1]:8750 (not a host name)".into()
    })
}

fn parse_prefix(s: &str) -> Result<String, String> {
    if crate::token::valid_prefix(s) {
        Ok(s.to_owned())
    } else {
        Err("a prefix is a lowercase letter, then 1-15 lowercase letters or digits".into())
    }
}

impl Command {
    /// Whether the command holds a secret in memory (an issued one, or one
    /// presented to it), so the process must not be dumpable.
    pub fn holds_secrets(&self) -> bool {
        matches!(
            self,
            Command::Create(_)
                | Command::Reset(_)
                | Command::Verify(_)
                | Command::Serve(_)
                | Command::Scan(_)
        )
    }

    /// Whether the command's exit code answers a question, so that nothing
    /// that happens to its output may change it.
    pub fn answers(&self) -> bool {
        match self {
            Command::Verify(_) | Command::Scan(_) => true,
            Command::Log(args) => args.verify,
            _ => false,
        }
    }

    /// Whether the command may create or change the database.
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Command::List(_)
                | Command::Show { .. }
                | Command::Verify(_)
                // Each change it makes has its own actor: api:<admin token id>.
                | Command::Serve(_)
                | Command::Log(_)
                | Command::Policy(PolicyArgs { action: None })
                | Command::Dump
                | Command::Purge(PurgeArgs { dry_run: true, .. })
                | Command::Completions { .. }
                | Command::Scan(ScanArgs { revoke: false, .. })
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::FromArgMatches;

    fn args(line: &[&str]) -> Vec<std::ffi::OsString> {
        std::iter::once("tokenctl")
            .chain(line.iter().copied())
            .map(Into::into)
            .collect()
    }

    /// What the whole command line makes of `line`, as `Debug` shows it;
    /// `None` when it refuses it.
    fn whole(line: &[&str]) -> Option<String> {
        command(false)
            .try_get_matches_from(args(line))
            .and_then(|m| Cli::from_arg_matches(&m))
            .ok()
            .map(|cli| format!("{cli:?}"))
    }

    #[test]
    fn verify_alone_parses_as_the_whole_command_line_does() {
        let taken: &[&[&str]] = &[
            &["verify"],
            &["-q", "verify"],
            &["--db", "x.db", "-q", "verify"],
            &["verify", "--db", "x.db", "--quiet"],
            &["--db=x.db", "verify", "--json", "--batch"],
            &[
                "verify",
                "--require-scope",
                "read",
                "--require-scope=write",
                "--owner",
                "alice",
            ],
            &[
                "--color",
                "never",
                "--actor",
                "ops",
                "verify",
                "--color=always",
            ],
            &["--json", "verify", "--owner=bob", "-q"],
            &["--db", "verify", "verify"],
            &[
                "--actor=a=b",
                "verify",
                "--require-scope",
                "read",
                "--require-scope",
                "read",
            ],
        ];
        for line in taken {
            let fast = as_verify(&args(line)).map(|cli| format!("{cli:?}"));
            assert!(fast.is_some(), "{line:?}");
            assert_eq!(fast, whole(line), "{line:?}");
        }
        // A global option at both levels: the last one given, as clap
        // merges global options.
        let both: &[&[&str]] = &[
            &["--db", "a.db", "verify", "--db", "b.db"],
            &["--db=a.db", "verify", "--db=a.db"],
            &["-q", "verify", "-q"],
            &["--quiet", "verify", "--json"],
            &["--json", "verify", "--json", "--batch"],
            &["--actor", "a", "verify", "--actor", "b"],
            &["--color", "never", "verify"],
            &["verify", "--color", "never"],
            &["--color", "always", "verify", "--color", "auto"],
        ];
        for line in both {
            let fast = as_verify(&args(line)).map(|cli| format!("{cli:?}"));
            assert!(fast.is_some(), "{line:?}");
            assert_eq!(fast, whole(line), "{line:?}");
        }
        // Left to the whole command line: whatever it refuses, or is not a
        // verify at all.
        let left: &[&[&str]] = &[
            &[],
            &["list"],
            &["ver"],
            &["help", "verify"],
            &["--version"],
            &["verify", "--help"],
            &["verify", "-h"],
            &["verify", "-V"],
            &["verify", "--unknown"],
            &["verify", "--batch", "--batch"],
            &["verify", "--db", "a.db", "--db", "b.db"],
            &["verify", "-q", "-q"],
            &["-qq", "verify"],
            &["verify", "--require-scope", "not a scope"],
            &["verify", "--owner"],
            &["verify", "--color", "sometimes"],
            &["--db", "verify"],
            &["--actor", "verify", "list"],
            &["verify", "a", "b"],
            &["verify", "--json=yes"],
            &["verify", "--db="],
            &["--owner", "bob", "verify"],
            &["verify", "--owner", "-bob"],
        ];
        for line in left {
            assert!(as_verify(&args(line)).is_none(), "{line:?}");
            if line.first() == Some(&"verify") {
                assert!(whole(line).is_none(), "{line:?}");
            }
        }
        // Left to the whole command line though it takes them: shapes no
        // script writes for a verify (and a token in argv is refused later).
        let rare: &[&[&str]] = &[
            &["verify", "tok_abc"],
            &["verify", "verify"],
            &["verify", "help"],
            &["verify", "--", "-q"],
            &["-q", "verify", "--db", "-"],
        ];
        for line in rare {
            assert!(as_verify(&args(line)).is_none(), "{line:?}");
            assert!(whole(line).is_some(), "{line:?}");
        }
    }

    /// Pieces of a verify's command line, right and wrong.
    const PIECES: &[&[&str]] = &[
        &["--json"],
        &["-q"],
        &["--quiet"],
        &["--db", "a.db"],
        &["--db=b.db"],
        &["--db"],
        &["--actor", "ops"],
        &["--actor="],
        &["--color", "never"],
        &["--color=always"],
        &["--color", "Never"],
        &["--batch"],
        &["--owner", "bob"],
        &["--owner=x y"],
        &["--owner", "\u{202e}"],
        &["--require-scope", "read"],
        &["--require-scope=write"],
        &["--require-scope", "Not-A-Scope"],
        &["-qj"],
        &["--"],
        &["-"],
        &["tok_abc"],
        &["verify"],
        &["list"],
        &["--help"],
        &[""],
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Whatever the fast path takes, the whole command line takes and
        /// reads the same: lines of pieces before and after `verify`.
        #[test]
        fn what_verify_alone_takes_the_whole_command_line_reads_the_same(
            outer in proptest::collection::vec(proptest::sample::select(PIECES), 0..4),
            inner in proptest::collection::vec(proptest::sample::select(PIECES), 0..5),
        ) {
            let line: Vec<&str> = outer
                .iter()
                .flat_map(|p| p.iter())
                .chain(&["verify"])
                .chain(inner.iter().flat_map(|p| p.iter()))
                .copied()
                .collect();
            let fast = as_verify(&args(&line)).map(|cli| format!("{cli:?}"));
            if fast.is_some() {
                proptest::prop_assert_eq!(fast, whole(&line), "{:?}", line);
            }
        }
    }
}
