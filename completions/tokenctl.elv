
use builtin;
use str;

set edit:completion:arg-completer[tokenctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tokenctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tokenctl'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create the database, optionally with a token prefix (create does this too)'
            cand create 'Issue a token and print its secret, once'
            cand list 'List tokens, secrets masked'
            cand show 'Show one token in detail, secret masked'
            cand revoke 'Revoke a token, or every token of an owner not revoked yet; irreversible'
            cand reset 'Give a token a new secret under the same id; the old secret stops working at once, or after --grace'
            cand enable 'Switch a disabled token on again'
            cand disable 'Switch a token off until `enable` switches it on; verify then answers "disabled"'
            cand verify 'Check a token read from stdin (never from the command line)'
            cand serve 'Answer verify and administration requests over HTTP'
            cand purge 'Delete expired (and optionally revoked) tokens, for cron'
            cand log 'Show the audit trail of changes, oldest first'
            cand edit 'Change a token''s name, owner, scopes or expiry; never its secret'
            cand policy 'Show or change the database''s policy: the rules for new and changed tokens'
            cand dump 'Write the whole database to stdout as JSON Lines, to back it up or move it'
            cand load 'Fill an empty database from a dump read on stdin, keeping ids, hashes and the trail'
            cand scan 'Find this database''s tokens in files, directories or stdin, and say which are live'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;init'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --prefix 'Token prefix for this database: a lowercase letter, then 1-15 lowercase letters or digits'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;create'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --name 'Display name, 1-100 characters, no control characters'
            cand --owner 'The user, e-mail or application the token belongs to'
            cand --scope 'A scope to grant (repeatable): a-z first, then a-z 0-9 : . _ - [default: read, write]'
            cand --expires-in 'Expire this long from now, e.g. 90d, 12h, 2w, 1d12h'
            cand --expires-at 'Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand --no-expiry 'Never expire'
            cand --replace 'Revoke the owner''s live token in the same transaction, after a confirmation'
            cand -y 'With --replace: do not ask for confirmation (needed without a terminal)'
            cand --yes 'With --replace: do not ask for confirmation (needed without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;list'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --status 'Only tokens in this state'
            cand --owner 'Only tokens of this owner'
            cand --expiring-within 'Only tokens, not revoked, that expire within this long from now'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;show'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;revoke'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --owner 'Instead of one token: every token of this owner not revoked yet, in one transaction'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -y 'Do not ask for confirmation (needed without a terminal)'
            cand --yes 'Do not ask for confirmation (needed without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;reset'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --expires-in 'Expire this long from now, e.g. 90d, 12h, 2w, 1d12h'
            cand --expires-at 'Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)'
            cand --grace 'Let the replaced secret keep verifying this long, e.g. 1h, 2d (at most the policy''s max-grace, 7d by default)'
            cand --owner 'Hand the token to this owner in the same step'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand --no-expiry 'Never expire'
            cand -y 'Do not ask for confirmation (needed without a terminal)'
            cand --yes 'Do not ask for confirmation (needed without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;enable'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;disable'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;verify'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --require-scope 'Also require this scope (repeatable); lacking one is exit 4'
            cand --owner 'The token must also belong to this owner, exactly; else it is rejected as wrong_owner'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand --batch 'Read one token per line until end of input; write one JSON line per input line'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;serve'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --listen 'Address and port to answer on, e.g. 0.0.0.0:8750 or [::1]:8750'
            cand --metrics-listen 'Also answer GET /metrics (Prometheus text) on this address; off unless given'
            cand --tls-cert 'Serve HTTPS (and HTTP/2) with this certificate chain, PEM'
            cand --tls-key 'The private key of --tls-cert, PEM; nobody but its owner may change it, nobody outside its group read it'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand --allow-plain-http 'Allow plain HTTP on an address other than loopback (a proxy in front terminates TLS)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;purge'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --older-than 'Only tokens that expired (or were revoked) at least this long ago, e.g. 30d [default: 0s]'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand --include-revoked 'Also purge tokens revoked at least --older-than ago, expired or not'
            cand --dry-run 'Report what would be purged; change nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;log'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --limit 'Only the N most recent of the events that pass the other filters, still printed oldest first'
            cand --since 'Only events at or after this time (RFC 3339 or a date), or within this long back from now (e.g. 24h)'
            cand --action 'Only events of this action (repeatable): created, reset, revoked, enabled, disabled, purged, edited, policy, loaded'
            cand --by 'Only events by this actor, exactly'
            cand --expect-head 'With --verify: this event must still be in the trail with this hash, as log --head printed it'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -f 'After the events so far, print each new one as it is committed, until interrupted'
            cand --follow 'After the events so far, print each new one as it is committed, until interrupted'
            cand --verify 'Check the whole trail''s hash chain: exit 0 if intact, 7 naming the first event that does not match'
            cand --head 'Print the latest event''s number and hash as SEQ:HASH, to keep where the database''s writers cannot reach'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;edit'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --name 'A new display name'
            cand --owner 'A new owner'
            cand --scope 'Replace the scopes with these (repeatable)'
            cand --add-scope 'Add a scope (repeatable)'
            cand --remove-scope 'Remove a scope (repeatable)'
            cand --expires-in 'Expire this long from now, e.g. 90d, 12h, 2w, 1d12h'
            cand --expires-at 'Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand --no-owner 'Remove the owner'
            cand --no-expiry 'Never expire'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;policy'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Set a rule: default-lifetime, max-lifetime, one-per-owner, require-owner, allowed-scopes, max-grace'
            cand unset 'Unset a rule: its built-in default is in force again'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;policy;set'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;policy;unset'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;policy;help'= {
            cand set 'Set a rule: default-lifetime, max-lifetime, one-per-owner, require-owner, allowed-scopes, max-grace'
            cand unset 'Unset a rule: its built-in default is in force again'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;policy;help;set'= {
        }
        &'tokenctl;policy;help;unset'= {
        }
        &'tokenctl;policy;help;help'= {
        }
        &'tokenctl;dump'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;load'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;scan'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --format 'Output format [default: human; jsonl with the global JSON option]'
            cand --rules 'Print a rule for another scanner instead of scanning'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand --no-ignore 'Search ignored and hidden files too (.gitignore, .ignore, git''s excludes)'
            cand --hidden 'Search hidden files and directories, still honouring ignore files'
            cand --revoke 'Revoke every live token found, in one transaction, after one confirmation'
            cand -y 'With --revoke: do not ask for confirmation (needed without a terminal)'
            cand --yes 'With --revoke: do not ask for confirmation (needed without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;completions'= {
            cand --db 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db'
            cand --color 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb'
            cand --actor 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user'
            cand --json 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
            cand -q 'Print only the data the command exists for (a new secret); no notes'
            cand --quiet 'Print only the data the command exists for (a new secret); no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenctl;help'= {
            cand init 'Create the database, optionally with a token prefix (create does this too)'
            cand create 'Issue a token and print its secret, once'
            cand list 'List tokens, secrets masked'
            cand show 'Show one token in detail, secret masked'
            cand revoke 'Revoke a token, or every token of an owner not revoked yet; irreversible'
            cand reset 'Give a token a new secret under the same id; the old secret stops working at once, or after --grace'
            cand enable 'Switch a disabled token on again'
            cand disable 'Switch a token off until `enable` switches it on; verify then answers "disabled"'
            cand verify 'Check a token read from stdin (never from the command line)'
            cand serve 'Answer verify and administration requests over HTTP'
            cand purge 'Delete expired (and optionally revoked) tokens, for cron'
            cand log 'Show the audit trail of changes, oldest first'
            cand edit 'Change a token''s name, owner, scopes or expiry; never its secret'
            cand policy 'Show or change the database''s policy: the rules for new and changed tokens'
            cand dump 'Write the whole database to stdout as JSON Lines, to back it up or move it'
            cand load 'Fill an empty database from a dump read on stdin, keeping ids, hashes and the trail'
            cand scan 'Find this database''s tokens in files, directories or stdin, and say which are live'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;help;init'= {
        }
        &'tokenctl;help;create'= {
        }
        &'tokenctl;help;list'= {
        }
        &'tokenctl;help;show'= {
        }
        &'tokenctl;help;revoke'= {
        }
        &'tokenctl;help;reset'= {
        }
        &'tokenctl;help;enable'= {
        }
        &'tokenctl;help;disable'= {
        }
        &'tokenctl;help;verify'= {
        }
        &'tokenctl;help;serve'= {
        }
        &'tokenctl;help;purge'= {
        }
        &'tokenctl;help;log'= {
        }
        &'tokenctl;help;edit'= {
        }
        &'tokenctl;help;policy'= {
        }
        &'tokenctl;help;dump'= {
        }
        &'tokenctl;help;load'= {
        }
        &'tokenctl;help;scan'= {
        }
        &'tokenctl;help;completions'= {
        }
        &'tokenctl;help;help'= {
        }
    ]
    $completions[$command]
}
