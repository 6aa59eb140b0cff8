//! `tokenctl scan`: this database's tokens in files, a tree or stdin (SPEC
//! §10), looked up in batches and printed for people, as JSON Lines or as
//! SARIF; `--revoke` revokes the live ones after one question; `--rules`
//! prints a rule for another scanner. The exit code says whether a live
//! token was found, whatever becomes of stdout.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Ctx;
use crate::cli::{ScanArgs, ScanFormat, ScanRules};
use crate::core::error::{Error, Result};
use crate::core::id::TokenId;
use crate::core::model::Token;
use crate::core::ops;
use crate::core::scan::{self, Hit, Matcher, Seen};
use crate::core::token::{self, TokenHash};
use crate::phrase::{IDS_IN_NOTE, describe, id_list, plural};
use crate::prompt;
use crate::text;
use crate::time::Epoch;
use crate::walk::{self, FileHits, Options, Totals};

/// At most this many tokens are named in the question of `--revoke`.
const IN_QUESTION: usize = 10;
/// The SARIF rules, in the order `ruleIndex` counts.
const LIVE_RULE: &str = "tokenctl/live-token";
const INACTIVE_RULE: &str = "tokenctl/inactive-token";

/// One token found in one place.
struct Finding<'a> {
    file: &'a FileHits,
    hit: &'a Hit,
    seen: Seen,
    token: Option<&'a Token>,
}

/// Scans, reports, and with `--revoke` revokes; exit 7 when a live token
/// was found.
pub fn run(ctx: &mut Ctx, args: &ScanArgs) -> Result<u8> {
    if args.rules.is_some() && ctx.out.json {
        return Err(Error::Usage(
            "scan --rules prints a rule file (TOML), not JSON; leave out --json".into(),
        ));
    }
    let format = format_of(ctx, args)?;
    let from_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    // Refused before the scan, which may take long: an answer that cannot
    // be asked for must not come after it.
    if args.revoke {
        if from_stdin {
            return Err(Error::Usage(
                "scan --revoke cannot read stdin (-): stdin is the data, so no question could be answered; give files or directories".into(),
            ));
        }
        if !args.yes {
            prompt::can_ask("revoke the live tokens found")?;
        }
    }
    let mut store = ctx.open()?;
    let matcher = Matcher::new(store.prefix());
    if let Some(ScanRules::Gitleaks) = args.rules {
        ctx.out.raw(gitleaks(&matcher).as_bytes())?;
        return Ok(0);
    }

    let totals = Totals::default();
    let mut files = search(ctx, args, &matcher, &totals)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));

    // Each distinct secret is looked up once.
    let mut index: HashMap<TokenHash, usize> = HashMap::new();
    let mut hashes = Vec::new();
    for h in files.iter().flat_map(|f| &f.hits) {
        index.entry(h.hash).or_insert_with(|| {
            hashes.push(h.hash);
            hashes.len() - 1
        });
    }
    let now = ctx.now;
    let judged = scan::look_up(store.as_mut(), &hashes, now)?;
    let findings: Vec<Finding> = files
        .iter()
        .flat_map(|file| file.hits.iter().map(move |hit| (file, hit)))
        .map(|(file, hit)| {
            let (seen, token) = &judged[index[&hit.hash]];
            Finding {
                file,
                hit,
                seen: *seen,
                token: token.as_ref(),
            }
        })
        .collect();
    // Decided before anything is printed or revoked: the answer stands
    // whatever happens to stdout, and a revoke does not change it.
    let code = Seen::exit_code(findings.iter().map(|f| f.seen));

    // Errors writing the findings are ignored: the exit code is the answer.
    let _ = print(ctx, format, &matcher, &findings, now);
    let _ = ctx.out.flush();
    summary(ctx, &findings, &totals);

    if args.revoke {
        revoke(ctx, store.as_mut(), &findings, args.yes)?;
    }
    Ok(code)
}

/// The format asked for: `--format`, else jsonl with `--json`.
fn format_of(ctx: &Ctx, args: &ScanArgs) -> Result<ScanFormat> {
    match (args.format, ctx.out.json) {
        (None, false) => Ok(ScanFormat::Human),
        (None | Some(ScanFormat::Jsonl), true) => Ok(ScanFormat::Jsonl),
        (Some(f), false) => Ok(f),
        (Some(_), true) => Err(Error::Usage(
            "--json is scan's --format jsonl; give one of them".into(),
        )),
    }
}

/// Every file's findings: stdin's for `-`, then the walk of the other
/// paths (default `.`).
fn search(ctx: &Ctx, args: &ScanArgs, matcher: &Matcher, totals: &Totals) -> Result<Vec<FileHits>> {
    let mut files = Vec::new();
    let (stdin, paths): (Vec<&PathBuf>, Vec<&PathBuf>) =
        args.paths.iter().partition(|p| p.as_os_str() == "-");
    if !stdin.is_empty() {
        match walk::stdin(matcher, totals) {
            Ok(found) if !found.hits.is_empty() => files.push(found),
            Ok(_) => {}
            Err(e) => ctx.out.note(format!("cannot read {}: {e}", walk::STDIN)),
        }
    }
    let strip_dot = args.paths.is_empty();
    let roots: Vec<PathBuf> = if strip_dot {
        vec![PathBuf::from(".")]
    } else {
        paths.into_iter().cloned().collect()
    };
    let out = &ctx.out;
    let note = |msg: String| out.note(msg);
    let options = Options {
        no_ignore: args.no_ignore,
        hidden: args.hidden,
    };
    files.extend(walk::walk(
        &roots, strip_dot, options, matcher, totals, &note,
    ));
    Ok(files)
}

fn print(
    ctx: &mut Ctx,
    format: ScanFormat,
    matcher: &Matcher,
    findings: &[Finding],
    now: Epoch,
) -> Result<()> {
    match format {
        // -q: the exit code is the answer.
        ScanFormat::Human if ctx.out.quiet => Ok(()),
        ScanFormat::Human => {
            for f in findings {
                let masked = masked(matcher, f.hit);
                let (line, column) = (f.hit.line, f.hit.column);
                ctx.out.line(format!(
                    "{}:{line}:{column}  {masked}  {}",
                    f.file.path,
                    verdict(f)
                ))?;
            }
            Ok(())
        }
        ScanFormat::Jsonl => {
            for f in findings {
                let masked = masked(matcher, f.hit);
                ctx.out.json_value(&json!({
                    "path": f.file.raw,
                    "line": f.hit.line,
                    "column": f.hit.column,
                    "masked": masked,
                    "status": f.seen,
                    "token": f.token.map(|t| t.json(now)),
                }))?;
            }
            Ok(())
        }
        ScanFormat::Sarif => ctx.out.json_value(&sarif(matcher, findings)),
    }
}

fn masked(matcher: &Matcher, hit: &Hit) -> String {
    token::mask(matcher.prefix(), &hit.last4)
}

/// `token 42 "CI deploy" (owner alice) active`, or `unknown`.
fn verdict(f: &Finding) -> String {
    match f.token {
        None => f.seen.as_str().to_owned(),
        Some(t) => {
            let owner = t
                .owner
                .as_deref()
                .map(|o| format!(" (owner {})", text::escape(o)))
                .unwrap_or_default();
            format!(
                "token {} {}{owner} {}",
                t.id,
                text::quote(&t.name),
                f.seen.as_str()
            )
        }
    }
}

/// What was read and found, on stderr.
fn summary(ctx: &Ctx, findings: &[Finding], totals: &Totals) {
    use std::sync::atomic::Ordering::Relaxed;
    let files = totals.files.load(Relaxed) as usize;
    let mut live: Vec<TokenId> = live_tokens(findings).iter().map(|(t, _)| t.id).collect();
    live.sort_unstable();
    let mut note = format!(
        "scanned {} ({} bytes): {} found",
        plural(files, "file"),
        totals.bytes.load(Relaxed),
        plural(findings.len(), "token"),
    );
    if live.is_empty() {
        note.push_str(", none live");
    } else {
        let _ = write!(
            note,
            "; live (active or disabled): {} ({})",
            plural(live.len(), "token"),
            id_list(&live, IDS_IN_NOTE)
        );
    }
    ctx.out.note(note);
}

/// Each live token once, with the first place it was found, in the order
/// found.
fn live_tokens<'a>(findings: &'a [Finding<'a>]) -> Vec<(&'a Token, &'a Finding<'a>)> {
    let mut seen = std::collections::HashSet::new();
    findings
        .iter()
        .filter(|f| f.seen.live())
        .filter_map(|f| f.token.map(|t| (t, f)))
        .filter(|(t, _)| seen.insert(t.id))
        .collect()
}

/// `PATH:LINE` of a finding.
fn place(f: &Finding) -> String {
    format!("{}:{}", f.file.path, f.hit.line)
}

/// Revokes every live token found, after one question (unless `yes`),
/// in one transaction.
fn revoke(
    ctx: &Ctx,
    store: &mut dyn crate::store::Store,
    findings: &[Finding],
    yes: bool,
) -> Result<()> {
    let live = live_tokens(findings);
    if live.is_empty() {
        ctx.out.note("no live token found; nothing to revoke");
        return Ok(());
    }
    if !yes {
        let mut named: Vec<String> = live
            .iter()
            .take(IN_QUESTION)
            .map(|(t, f)| format!("token {} {} in {}", t.id, describe(t, ctx.now), place(f)))
            .collect();
        if live.len() > IN_QUESTION {
            named.push(format!("and {} more", live.len() - IN_QUESTION));
        }
        let question = format!(
            "Revoke {} found live: {}? This cannot be undone.",
            plural(live.len(), "token"),
            named.join("; ")
        );
        prompt::confirm(&question, "revoke the live tokens found")?;
    }
    let asked: Vec<(TokenId, String)> = live
        .iter()
        .map(|(t, f)| (t.id, format!("leaked: {}", place(f))))
        .collect();
    let revoked = ops::revoke_many(store, &asked, &ctx.actor, ctx.now)?;
    let ids: Vec<TokenId> = revoked.iter().map(|t| t.id).collect();
    if ids.is_empty() {
        ctx.out
            .note("every live token found was revoked meanwhile; nothing changed");
    } else {
        ctx.out.note(format!(
            "revoked {}: {}",
            plural(ids.len(), "token"),
            id_list(&ids, IDS_IN_NOTE)
        ));
    }
    Ok(())
}

/// The SARIF 2.1.0 document of the findings.
fn sarif(matcher: &Matcher, findings: &[Finding]) -> Value {
    let rule = |id: &str, name: &str, text: &str, level: &str| {
        json!({
            "id": id,
            "name": name,
            "shortDescription": {"text": text},
            "fullDescription": {"text": format!(
                "{text}. A token of this database (prefix {}) whose checksum is right, looked up by its hash.",
                matcher.prefix()
            )},
            "help": {"text": "Revoke a live token (tokenctl revoke ID, or tokenctl scan --revoke), issue a new one, and keep its secret out of files under version control."},
            "defaultConfiguration": {"level": level},
        })
    };
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let (rule_id, index, level) = if f.seen.live() {
                (LIVE_RULE, 0, "error")
            } else {
                (INACTIVE_RULE, 1, "note")
            };
            let column = f.hit.column;
            json!({
                "ruleId": rule_id,
                "ruleIndex": index,
                "level": level,
                "message": {"text": format!("{}: {}", masked(matcher, f.hit), verdict(f))},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.file.raw)},
                        "region": {
                            "startLine": f.hit.line,
                            "startColumn": column,
                            "endColumn": column + matcher.token_len() as u64,
                        }
                    }
                }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tokenctl",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [
                    rule(LIVE_RULE, "LiveToken", "A live token (active or disabled) of this database", "error"),
                    rule(INACTIVE_RULE, "InactiveToken", "A token that no longer verifies (expired, revoked, rotated) or is not from this database", "note"),
                ],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// A path as a SARIF artifact URI: relative paths as relative references,
/// absolute ones as `file://` URIs, percent-encoded but for `/`.
fn uri(path: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let path = path.strip_prefix("./").unwrap_or(path);
    let encoded = utf8_percent_encode(path, KEEP).to_string();
    if Path::new(path).is_absolute() {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// A gitleaks rule (TOML) for tokens of this prefix.
fn gitleaks(matcher: &Matcher) -> String {
    let prefix = matcher.prefix();
    format!(
        r#"# gitleaks rule for tokenctl tokens with the prefix {prefix}_
# (printed by `tokenctl scan --rules gitleaks`). Save it as .gitleaks.toml,
# or copy the [[rules]] table into yours. gitleaks cannot check the
# checksum: `tokenctl scan` ignores look-alikes whose checksum is wrong.

[extend]
useDefault = true

[[rules]]
id = "tokenctl-{prefix}"
description = "tokenctl API token ({prefix}_)"
regex = '''{}'''
keywords = ["{prefix}_"]
tags = ["tokenctl", "api-token"]
"#,
        matcher.regex()
    )
}
