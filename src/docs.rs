//! Shell completion scripts and man pages, generated from the clap definition
//! in [`crate::cli`], so that what ships in `completions/` and `man/` is what
//! the binary parses.
//!
//! clap knows the options; it does not know the exit codes, the environment,
//! the files or how the commands are used together. Those sections are kept
//! here, once, and added to every page that needs them; the examples also
//! end each command's `--help` ([`help_examples`]). [`REGENERATE`] writes
//! both folders into the repository; an integration test writes them into a
//! temporary directory and fails when the committed copies differ.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use clap::builder::StyledStr;
use clap::builder::styling::Styles;
use clap_complete::{Generator, Shell};
use clap_mangen::Man;
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};

/// The one command that regenerates `completions/` and `man/` at the
/// repository root.
pub const REGENERATE: &str = "cargo run --example gen";

/// The folder of completion scripts, relative to the output root.
pub const COMPLETIONS_DIR: &str = "completions";

/// The folder of man pages, relative to the output root.
pub const MAN_DIR: &str = "man";

/// Every shell a completion script is generated for.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// The program name, as the completion scripts and man pages call it.
const BIN: &str = "tokenctl";

/// The date in the pages' title line: the release they describe. A fixed
/// date, not the day they were generated, so that generating is
/// deterministic; bump it together with the version in Cargo.toml.
const PAGES_DATE: &str = "2026-11-23";

/// SPEC §4: every exit code and what it means. The man pages print these
/// rows; a subcommand's page prints the rows that command can produce.
const EXIT_CODES: [(u8, &str); 8] = [
    (0, "Success; for verify: the token is valid."),
    (
        1,
        "Runtime error (database, file system), or the confirmation was declined.",
    ),
    (
        2,
        "Usage error: a bad flag or value, or a refusal to act without --yes.",
    ),
    (
        3,
        "verify: the token is rejected (malformed, unknown, rotated, revoked, expired, disabled, wrong_owner).",
    ),
    (4, "verify: the token is valid but lacks a required scope."),
    (
        5,
        "No token with that id (revoke --owner: no token of that owner).",
    ),
    (
        6,
        "Conflict: the token's state or the database's policy forbids it (enable, disable, edit or reset a revoked token; a rule of tokenctl policy; a different prefix at init; load into a database that is not empty).",
    ),
    (
        7,
        "A finding: scan found a live token (active or disabled), also when --revoke revoked it; log --verify found the audit trail altered.",
    ),
];

/// The exit codes `command` can produce; every command can succeed, fail at
/// run time, or be called wrongly.
fn exit_codes(command: &str) -> &'static [u8] {
    match command {
        "show" | "revoke" => &[0, 1, 2, 5],
        "log" => &[0, 1, 2, 5, 7],
        "reset" | "enable" | "disable" | "edit" => &[0, 1, 2, 5, 6],
        "init" | "create" | "policy" | "load" => &[0, 1, 2, 6],
        "verify" => &[0, 1, 2, 3, 4],
        "scan" => &[0, 1, 2, 7],
        "list" | "purge" | "completions" | "dump" | "serve" => &[0, 1, 2],
        _ => &[0, 1, 2, 3, 4, 5, 6, 7],
    }
}

/// The environment variables tokenctl reads.
const ENVIRONMENT: [(&str, &str); 8] = [
    (
        "TOKENCTL_DB",
        "The database, when --db is not given: a file path, or a postgresql:// URL, which here (unlike in --db) may hold a password.",
    ),
    (
        "PGPASSWORD",
        "The PostgreSQL password, when the URL holds none. PGUSER is the user when the URL names none.",
    ),
    (
        "TOKENCTL_ACTOR",
        "Who is acting, recorded in the audit trail, when --actor is not given. Without either, the operating system's user name is recorded.",
    ),
    (
        "NO_COLOR",
        "When set to anything but the empty string, --color auto (the default) does not colour tables. --color always still does.",
    ),
    (
        "TERM",
        "When dumb, --color auto does not colour tables either.",
    ),
    (
        "COLUMNS",
        "How wide the terminal is, when stdout is one; without it, the terminal says. A table wider than that shortens its widest names, owners, scopes, actors or details, ending them with an ellipsis; ids, masked secrets, states and times are never shortened. Off a terminal, tables are never cut or wrapped, whatever COLUMNS says.",
    ),
    (
        "COMPLETE",
        "Set by a shell's dynamic completion (see tokenctl-completions(1)) to the shell's name: bash, zsh, fish, elvish or powershell. tokenctl then runs no command: alone, it prints the shell's completion hook; after --, the candidates for the words that follow. Empty or 0 is as if unset; any other value is an error (exit 2). Never export it.",
    ),
    (
        "XDG_DATA_HOME",
        "Where the default database lives: $XDG_DATA_HOME/tokenctl/tokens.db, else ~/.local/share/tokenctl/tokens.db.",
    ),
];

/// The files tokenctl uses.
const FILES: [(&str, &str); 2] = [
    (
        "~/.local/share/tokenctl/tokens.db",
        "The default database, a SQLite file. A command that writes creates it when it is missing: the directory with mode 0700, the file with mode 0600. It holds only the SHA-256 of each secret, never the secret itself.",
    ),
    (
        "~/.local/share/tokenctl/tokens.db-wal, tokens.db-shm",
        "SQLite's write-ahead log and its index, beside the database while it is in use. Copy or back up the database with sqlite3's .backup, not by copying the file alone.",
    ),
];

/// The crontab line that clears out dead tokens every night, shown on the
/// main page and on the page of purge.
pub const CRON_PURGE: &str = "17 3 * * * tokenctl -q purge --older-than 30d --include-revoked";

/// The crontab line that checks the audit trail every night against the
/// head kept the night before, then keeps the new one; shown in the README
/// (too long for the help's width) and run by a test.
pub const CRON_TRAIL: &str = "15 4 * * * tokenctl -q log --verify --expect-head \"$(cat /var/lib/tokenctl-audit/head)\" && tokenctl log --head > /var/lib/tokenctl-audit/head.new && mv /var/lib/tokenctl-audit/head.new /var/lib/tokenctl-audit/head";

/// The main page's CI script; a test runs it as it is printed.
pub const CI_EXAMPLE: &str = r#"# Issue a token for this job; with -q, stdout is the secret alone.
TOKEN=$(tokenctl -q create --name "ci job" --owner ci-bot --scope deploy --expires-in 1h)
# verify reads the token from stdin; the exit code is the verdict.
printf '%s\n' "$TOKEN" | tokenctl -q verify --require-scope deploy
case $? in
  0) echo "token is valid" ;;
  3) echo "token rejected" >&2; exit 1 ;;
  4) echo "token lacks the deploy scope" >&2; exit 1 ;;
  *) echo "tokenctl failed" >&2; exit 1 ;;
esac
# When the job is done; there is no terminal to confirm on, so --yes.
tokenctl -q revoke --owner ci-bot --yes"#;

/// One example: what it shows, then the shell to type, printed verbatim.
struct Example {
    what: &'static str,
    code: &'static str,
}

/// The main page's examples: how the commands are used together.
const MAIN_EXAMPLES: [Example; 3] = [
    Example {
        what: "An operator's session: issue a token, hand its secret over once, look after it, and finally revoke it. reset and revoke ask for confirmation on a terminal.",
        code: r#"$ tokenctl create --name "CI deploy" --owner alice --scope deploy --expires-in 90d
$ tokenctl list --expiring-within 30d
$ tokenctl show 1
$ tokenctl disable 1
$ tokenctl enable 1
$ tokenctl reset 1 --expires-in 90d
$ tokenctl log 1
$ tokenctl revoke --owner alice"#,
    },
    Example {
        what: "A CI script. verify reads the token from stdin, never from the command line, where ps would show it to every user.",
        code: CI_EXAMPLE,
    },
    Example {
        what: "A crontab line that deletes, every night, the tokens that expired or were revoked more than 30 days ago. With -q it prints nothing unless something goes wrong, so cron mails only on trouble.",
        code: CRON_PURGE,
    },
];

/// A subcommand page's examples.
fn command_examples(command: &str) -> &'static [Example] {
    match command {
        "init" => &[Example {
            what: "Create a database whose tokens start with acme_ (create makes one with the prefix tok when there is none):",
            code: "tokenctl init --prefix acme",
        }],
        "create" => &[
            Example {
                what: "Issue a token for a person; the secret is printed once:",
                code: r#"tokenctl create --name "CI deploy" --owner alice --scope deploy --expires-in 90d"#,
            },
            Example {
                what: "In a script, capture the secret alone:",
                code: "TOKEN=$(tokenctl -q create --name ci --expires-in 1d)",
            },
            Example {
                what: "Under policy one-per-owner, replace the owner's token with a new one in one step:",
                code: r#"tokenctl create --name "deploy bot" --owner ci@example.com --replace"#,
            },
        ],
        "list" => &[
            Example {
                what: "Tokens that need renewing soon, and alice's active tokens:",
                code: "tokenctl list --expiring-within 30d\ntokenctl list --status active --owner alice",
            },
            Example {
                what: "The ids of every active token, for a script:",
                code: "tokenctl --json list --status active | jq -r '.[].id'",
            },
        ],
        "show" => &[Example {
            what: "One token in detail, for a person and for a script:",
            code: "tokenctl show 42\ntokenctl --json show 42",
        }],
        "revoke" => &[
            Example {
                what: "Revoke one token, after confirming on the terminal:",
                code: "tokenctl revoke 42",
            },
            Example {
                what: "Incident response from a script: every live token of one owner, at once:",
                code: "tokenctl -q revoke --owner alice --yes",
            },
        ],
        "reset" => &[
            Example {
                what: "Give token 42 a new secret that expires in 30 days, in a script:",
                code: "NEW=$(tokenctl -q reset 42 --expires-in 30d --yes)",
            },
            Example {
                what: "Rotate a CI secret without downtime: the old one keeps working for a day while the new one is rolled out, then answers rotated:",
                code: "NEW=$(tokenctl -q reset 42 --grace 1d --yes)",
            },
            Example {
                what: "A bot changes hands: a new owner and a new secret in one step:",
                code: "tokenctl reset 42 --owner bob@example.com",
            },
        ],
        "enable" => &[Example {
            what: "Let a disabled token be used again:",
            code: "tokenctl enable 42",
        }],
        "disable" => &[Example {
            what: "Stop a token from verifying for now; enable undoes it:",
            code: "tokenctl disable 42",
        }],
        "verify" => &[
            Example {
                what: "Check a presented token; the exit code is the answer:",
                code: r#"printf '%s\n' "$TOKEN" | tokenctl -q verify --require-scope deploy"#,
            },
            Example {
                what: "A token presented with its user's e-mail must belong to that user:",
                code: r#"printf '%s\n' "$TOKEN" | tokenctl -q verify --owner "$EMAIL""#,
            },
            Example {
                what: "Check many tokens, one per line, and get one JSON line for each:",
                code: "tokenctl verify --batch < presented.txt > verdicts.jsonl",
            },
        ],
        "serve" => &[
            Example {
                what: "Answer on loopback, behind a proxy on the same host, with metrics for Prometheus:",
                code: "tokenctl serve --metrics-listen 127.0.0.1:9750",
            },
            Example {
                what: "Ask it as nginx's auth_request does; 200, 401 or 403:",
                code: r#"curl -si -H "Authorization: Bearer $TOKEN" 'http://127.0.0.1:8750/auth?scope=deploy'"#,
            },
            Example {
                what: "Issue a token through the admin API with a token that has the scope admin:",
                code: "curl -s -H \"Authorization: Bearer $ADMIN\" \\\n  -d '{\"name\": \"ci\", \"scopes\": [\"deploy\"]}' http://127.0.0.1:8750/v1/tokens",
            },
            Example {
                what: "HTTPS and HTTP/2 on every address:",
                code: "tokenctl serve --listen 0.0.0.0:8750 \\\n  --tls-cert /etc/tokenctl/cert.pem --tls-key /etc/tokenctl/key.pem",
            },
        ],
        "purge" => &[
            Example {
                what: "See what would go, without deleting anything:",
                code: "tokenctl purge --include-revoked --dry-run",
            },
            Example {
                what: "A crontab line that purges every night, silently unless something fails:",
                code: CRON_PURGE,
            },
        ],
        "log" => &[
            Example {
                what: "The history of token 42, and the 20 most recent changes of all tokens:",
                code: "tokenctl log 42\ntokenctl log --limit 20",
            },
            Example {
                what: "What alice revoked in the last week:",
                code: "tokenctl log --since 7d --action revoked --by alice",
            },
            Example {
                what: "A notifier: every token created or revoked from now on, one JSON line each:",
                code: "tokenctl --json log --follow --limit 0 --action created --action revoked | my-mailer",
            },
            Example {
                what: "Keep the trail's head where the database's writers cannot reach, and later check the trail against it (exit 7 if altered):",
                code: "tokenctl log --head | ssh audit@vault 'cat > tokenctl.head'\ntokenctl log --verify --expect-head \"$(ssh audit@vault cat tokenctl.head)\"",
            },
        ],
        "edit" => &[
            Example {
                what: "Rename a token and give it one more scope:",
                code: r#"tokenctl edit 42 --name "CI deploy (prod)" --add-scope deploy"#,
            },
            Example {
                what: "Shorten its life, from a script:",
                code: "tokenctl -q edit 42 --expires-in 7d",
            },
        ],
        "policy" => &[
            Example {
                what: "The rules in force:",
                code: "tokenctl policy\ntokenctl --json policy",
            },
            Example {
                what: "At most one live token per owner, none living more than 90 days, only these scopes:",
                code: "tokenctl policy set one-per-owner on\ntokenctl policy set max-lifetime 90d\ntokenctl policy set allowed-scopes read,write,deploy",
            },
        ],
        "dump" => &[Example {
            what: "A nightly backup, and moving a database from SQLite to PostgreSQL:",
            code: "tokenctl dump > tokens-$(date +%F).jsonl\ntokenctl --db ~/tokens.db dump > all.jsonl\ntokenctl --db postgresql://ops@db/tokens load < all.jsonl",
        }],
        "load" => &[Example {
            what: "Restore a backup into a new database:",
            code: "tokenctl --db /var/lib/tokenctl/tokens.db load < tokens-2026-12-01.jsonl",
        }],
        "scan" => &[
            Example {
                what: "Look for this database's tokens in a repository; exit 7 when a live one is found:",
                code: "tokenctl scan .",
            },
            Example {
                what: "In CI, a SARIF report for code scanning (the step fails on exit 7 unless told otherwise):",
                code: "tokenctl scan --format sarif . > tokenctl.sarif",
            },
            Example {
                what: "Incident response: revoke every live token found under a directory, after one question:",
                code: "tokenctl scan --revoke /srv/app",
            },
            Example {
                what: "A rule for a repository that runs gitleaks already:",
                code: "tokenctl scan --rules gitleaks > .gitleaks.toml",
            },
        ],
        "completions" => &[
            Example {
                what: "bash (with the bash-completion package), for the current user:",
                code: "mkdir -p ~/.local/share/bash-completion/completions\ntokenctl completions bash > ~/.local/share/bash-completion/completions/tokenctl",
            },
            Example {
                what: "zsh: a file named _tokenctl in a folder on $fpath, then compinit (in ~/.zshrc):",
                code: "mkdir -p ~/.zfunc && tokenctl completions zsh > ~/.zfunc/_tokenctl\nfpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit",
            },
            Example {
                what: "fish:",
                code: "tokenctl completions fish > ~/.config/fish/completions/tokenctl.fish",
            },
            Example {
                what: "PowerShell: add this line to the file $PROFILE names:",
                code: "tokenctl completions powershell | Out-String | Invoke-Expression",
            },
            Example {
                what: "elvish: add this line to ~/.config/elvish/rc.elv:",
                code: "eval (tokenctl completions elvish | slurp)",
            },
            Example {
                what: "Dynamic completion instead, which also offers the database's token ids and owners: a line in ~/.bashrc, one in ~/.zshrc after compinit, and fish's file:",
                code: "source <(COMPLETE=bash tokenctl)\nsource <(COMPLETE=zsh tokenctl)\necho 'COMPLETE=fish tokenctl | source' > ~/.config/fish/completions/tokenctl.fish",
            },
        ],
        _ => &[],
    }
}

/// The end of the long help (`--help`) of `command`, or of tokenctl itself
/// for `None`: the examples its man page shows, from the same lists, so the
/// two cannot drift apart. Empty for a command without examples.
pub fn help_examples(command: Option<&str>) -> StyledStr {
    let examples = match command {
        None => &MAIN_EXAMPLES[..],
        Some(name) => command_examples(name),
    };
    let mut text = String::new();
    if examples.is_empty() {
        return StyledStr::from(text);
    }
    // clap's own headings ("Options:"), in clap's style.
    let heading = Styles::default().get_header().to_owned();
    let _ = write!(text, "{heading}Examples:{heading:#}");
    for example in examples {
        text.push_str("\n  ");
        text.push_str(example.what);
        text.push('\n');
        for line in example.code.lines() {
            text.push_str("\n      ");
            text.push_str(line);
        }
        text.push('\n');
    }
    StyledStr::from(text.trim_end().to_owned())
}

/// `sub` with its examples at the end of its long help; for
/// `Command::mut_subcommands`, so that every subcommand gets them by its
/// name and none can be forgotten.
pub fn with_help_examples(sub: clap::Command) -> clap::Command {
    if command_examples(sub.get_name()).is_empty() {
        return sub;
    }
    let examples = help_examples(Some(sub.get_name()));
    sub.after_long_help(examples)
}

/// The file name of `shell`'s completion script, as the shell looks for it
/// (`tokenctl.bash`, `_tokenctl`, `tokenctl.fish`, `_tokenctl.ps1`,
/// `tokenctl.elv`).
pub fn completion_file(shell: Shell) -> String {
    shell.file_name(BIN)
}

/// The completion script for `shell`, generated from the clap definition.
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::command(false), BIN, &mut buf);
    buf
}

/// Every generated file: its path relative to the output root, with `/`
/// separators (`completions/tokenctl.bash`, `man/tokenctl-list.1`), and its
/// contents. The same code always gives the same bytes.
pub fn files() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = SHELLS
        .iter()
        .map(|&shell| {
            (
                format!("{COMPLETIONS_DIR}/{}", completion_file(shell)),
                completion_script(shell),
            )
        })
        .collect();
    files.extend(
        man_pages()
            .into_iter()
            .map(|(name, page)| (format!("{MAN_DIR}/{name}"), page)),
    );
    files
}

/// Writes every generated file under `root` (`root/completions/`,
/// `root/man/`), creating the folders, and deletes files in those two folders
/// that are no longer generated (a renamed command's old page). Returns the
/// relative paths written.
pub fn write_to(root: &Path) -> io::Result<Vec<String>> {
    let files = files();
    let wanted: BTreeSet<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
    for dir in [COMPLETIONS_DIR, MAN_DIR] {
        let dir_path = root.join(dir);
        fs::create_dir_all(&dir_path)?;
        for entry in fs::read_dir(&dir_path)? {
            let entry = entry?;
            let relative = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if entry.file_type()?.is_file() && !wanted.contains(relative.as_str()) {
                fs::remove_file(entry.path())?;
            }
        }
    }
    for (path, contents) in &files {
        fs::write(root.join(path), contents)?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// `tokenctl.1` and `tokenctl-<command>.1` for every visible subcommand.
fn man_pages() -> Vec<(String, Vec<u8>)> {
    // `help` is a clap convenience, not a command with a page of its own.
    let mut cli = crate::cli::command(true).disable_help_subcommand(true);
    cli.build();
    let mut pages = vec![(format!("{BIN}.1"), main_page(&cli))];
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let page = command_page(sub);
        pages.push((format!("{BIN}-{}.1", sub.get_name()), page));
    }
    pages
}

/// The page of `tokenctl` itself.
fn main_page(cli: &clap::Command) -> Vec<u8> {
    let mut extra = Roff::new();
    let all: Vec<u8> = EXIT_CODES.iter().map(|(code, _)| *code).collect();
    exit_status(&mut extra, &all);
    environment(&mut extra);
    files_section(&mut extra);
    examples(&mut extra, &MAIN_EXAMPLES);
    let mut see_also: Vec<String> = cli
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| format!("{BIN}-{}(1)", s.get_name()))
        .collect();
    see_also.extend(["sqlite3(1)".to_owned(), "crontab(5)".to_owned()]);
    render(cli, BIN, &extra, &see_also)
}

/// The page of one subcommand.
fn command_page(cmd: &clap::Command) -> Vec<u8> {
    let name = cmd.get_name();
    let mut extra = Roff::new();
    exit_status(&mut extra, exit_codes(name));
    examples(&mut extra, command_examples(name));
    let mut see_also = vec![format!("{BIN}(1)")];
    if name == "purge" {
        see_also.push("crontab(5)".to_owned());
    }
    render(cmd, &format!("{BIN}-{name}"), &extra, &see_also)
}

/// Lays out one page: clap's sections, then ours, then the version, then
/// SEE ALSO, in the order man-pages(7) gives.
fn render(cmd: &clap::Command, title: &str, extra: &Roff, see_also: &[String]) -> Vec<u8> {
    let man = Man::new(cmd.clone())
        .title(title.to_uppercase())
        .date(PAGES_DATE)
        .source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")))
        .manual("User Commands");
    let mut see = Roff::new();
    see.control("SH", ["SEE ALSO"]);
    let mut refs = Vec::new();
    for (i, reference) in see_also.iter().enumerate() {
        if i > 0 {
            refs.push(roman(", "));
        }
        // `name(1)`: the name in bold, the section in roman, as man(7) asks.
        let (page, section) = reference.split_once('(').unwrap_or((reference, ""));
        refs.push(bold(page));
        if !section.is_empty() {
            refs.push(roman(format!("({section}")));
        }
    }
    see.text(refs);

    // Each rendered piece starts with the same preamble (it defines the
    // apostrophe string); the page needs it once, at the top.
    let preamble = Roff::new().render();
    let body = |f: &dyn Fn(&mut dyn Write) -> io::Result<()>| -> String {
        let mut buf = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = f(&mut buf);
        let text = String::from_utf8_lossy(&buf);
        text.strip_prefix(preamble.as_str())
            .unwrap_or(&text)
            .to_owned()
    };
    let mut page = preamble.clone();
    page += &body(&|w| man.render_title(w));
    // Names and paths must not be hyphenated, and ragged-right reads better
    // in a terminal than justified text (asciidoctor's pages do the same).
    page += ".nh\n.ad l\n";
    page += &body(&|w| man.render_name_section(w));
    page += &body(&|w| man.render_synopsis_section(w));
    page += &body(&|w| man.render_description_section(w));
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        page += &body(&|w| man.render_options_section(w));
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        page += &body(&|w| man.render_subcommands_section(w));
    }
    page += &body(&|w| extra.to_writer(w));
    page += &body(&|w| man.render_version_section(w));
    page += &body(&|w| see.to_writer(w));
    tidy(&page).into_bytes()
}

/// The longest input line mandoc's lint accepts without a style message.
const MAX_LINE: usize = 80;

/// Makes the roff source lint-clean (`mandoc -Tlint`) without changing what
/// it renders: no trailing blanks; a paragraph gap inside an option's
/// description (clap_mangen writes `.br`, a blank line, `.br` before
/// "Possible values") as one `.sp`; and long text lines, which fill mode joins
/// anyway, broken at spaces. Control lines, the tag line after `.TP`, and
/// verbatim example blocks stay as they are.
fn tidy(roff: &str) -> String {
    let roff = roff.replace("\n.br\n\n.br\n", "\n.sp\n");
    let mut out = String::with_capacity(roff.len());
    let mut verbatim = false;
    let mut tag_line = false;
    for line in roff.lines() {
        let line = line.trim_end();
        match line {
            ".nf" => verbatim = true,
            ".fi" => verbatim = false,
            _ => {}
        }
        let keep = verbatim || tag_line || line.starts_with('.') || line.len() <= MAX_LINE;
        tag_line = line == ".TP";
        if keep {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.len() + 1 + word.len() > MAX_LINE {
                out.push_str(&current);
                out.push('\n');
                current.clear();
            }
            if current.is_empty() {
                // A line starting with `.` or `'` would be a request.
                if word.starts_with(['.', '\'']) {
                    current.push_str("\\&");
                }
            } else {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

/// A section of tagged paragraphs: each tag (in the given font) with its
/// text indented below it.
fn tagged(roff: &mut Roff, heading: &str, rows: impl IntoIterator<Item = (Inline, String)>) {
    roff.control("SH", [heading]);
    for (tag, text) in rows {
        roff.control("TP", []);
        roff.text([tag]);
        roff.text([roman(text)]);
    }
}

/// EXIT STATUS: the rows of [`EXIT_CODES`] for `codes`.
fn exit_status(roff: &mut Roff, codes: &[u8]) {
    let rows = EXIT_CODES
        .iter()
        .filter(|(code, _)| codes.contains(code))
        .map(|(code, meaning)| (bold(code.to_string()), (*meaning).to_owned()));
    tagged(roff, "EXIT STATUS", rows);
}

/// ENVIRONMENT: [`ENVIRONMENT`], names in bold.
fn environment(roff: &mut Roff) {
    let rows = ENVIRONMENT.map(|(name, meaning)| (bold(name), meaning.to_owned()));
    tagged(roff, "ENVIRONMENT", rows);
}

/// FILES: [`FILES`], paths in italics as man(7) asks.
fn files_section(roff: &mut Roff) {
    let rows = FILES.map(|(path, meaning)| (italic(path), meaning.to_owned()));
    tagged(roff, "FILES", rows);
}

/// EXAMPLES: each example's text, then its lines verbatim.
fn examples(roff: &mut Roff, examples: &[Example]) {
    if examples.is_empty() {
        return;
    }
    roff.control("SH", ["EXAMPLES"]);
    for (i, example) in examples.iter().enumerate() {
        // A section heading already starts a paragraph.
        if i > 0 {
            roff.control("PP", []);
        }
        roff.text([roman(example.what)]);
        roff.control("PP", []);
        roff.control("RS", ["4"]);
        roff.control("nf", []);
        for line in example.code.lines() {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
        roff.control("RE", []);
    }
}
