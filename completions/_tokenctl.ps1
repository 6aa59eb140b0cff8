
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tokenctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tokenctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tokenctl' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the database, optionally with a token prefix (create does this too)')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Issue a token and print its secret, once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tokens, secrets masked')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one token in detail, secret masked')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token, or every token of an owner not revoked yet; irreversible')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Give a token a new secret under the same id; the old secret stops working at once, or after --grace')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Switch a disabled token on again')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Switch a token off until `enable` switches it on; verify then answers "disabled"')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a token read from stdin (never from the command line)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer verify and administration requests over HTTP')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete expired (and optionally revoked) tokens, for cron')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the audit trail of changes, oldest first')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a token''s name, owner, scopes or expiry; never its secret')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show or change the database''s policy: the rules for new and changed tokens')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Write the whole database to stdout as JSON Lines, to back it up or move it')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Fill an empty database from a dump read on stdin, keeping ids, hashes and the trail')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Find this database''s tokens in files, directories or stdin, and say which are live')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;init' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Token prefix for this database: a lowercase letter, then 1-15 lowercase letters or digits')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;create' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name, 1-100 characters, no control characters')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The user, e-mail or application the token belongs to')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A scope to grant (repeatable): a-z first, then a-z 0-9 : . _ - [default: read, write]')
            [CompletionResult]::new('--expires-in', '--expires-in', [CompletionResultType]::ParameterName, 'Expire this long from now, e.g. 90d, 12h, 2w, 1d12h')
            [CompletionResult]::new('--expires-at', '--expires-at', [CompletionResultType]::ParameterName, 'Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--no-expiry', '--no-expiry', [CompletionResultType]::ParameterName, 'Never expire')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Revoke the owner''s live token in the same transaction, after a confirmation')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'With --replace: do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'With --replace: do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;list' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tokens in this state')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Only tokens of this owner')
            [CompletionResult]::new('--expiring-within', '--expiring-within', [CompletionResultType]::ParameterName, 'Only tokens, not revoked, that expire within this long from now')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;revoke' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Instead of one token: every token of this owner not revoked yet, in one transaction')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;reset' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--expires-in', '--expires-in', [CompletionResultType]::ParameterName, 'Expire this long from now, e.g. 90d, 12h, 2w, 1d12h')
            [CompletionResult]::new('--expires-at', '--expires-at', [CompletionResultType]::ParameterName, 'Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Let the replaced secret keep verifying this long, e.g. 1h, 2d (at most the policy''s max-grace, 7d by default)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Hand the token to this owner in the same step')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--no-expiry', '--no-expiry', [CompletionResultType]::ParameterName, 'Never expire')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;enable' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;disable' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;verify' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--require-scope', '--require-scope', [CompletionResultType]::ParameterName, 'Also require this scope (repeatable); lacking one is exit 4')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The token must also belong to this owner, exactly; else it is rejected as wrong_owner')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Read one token per line until end of input; write one JSON line per input line')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;serve' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to answer on, e.g. 0.0.0.0:8750 or [::1]:8750')
            [CompletionResult]::new('--metrics-listen', '--metrics-listen', [CompletionResultType]::ParameterName, 'Also answer GET /metrics (Prometheus text) on this address; off unless given')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Serve HTTPS (and HTTP/2) with this certificate chain, PEM')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key of --tls-cert, PEM; nobody but its owner may change it, nobody outside its group read it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--allow-plain-http', '--allow-plain-http', [CompletionResultType]::ParameterName, 'Allow plain HTTP on an address other than loopback (a proxy in front terminates TLS)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;purge' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only tokens that expired (or were revoked) at least this long ago, e.g. 30d [default: 0s]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--include-revoked', '--include-revoked', [CompletionResultType]::ParameterName, 'Also purge tokens revoked at least --older-than ago, expired or not')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would be purged; change nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;log' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Only the N most recent of the events that pass the other filters, still printed oldest first')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only events at or after this time (RFC 3339 or a date), or within this long back from now (e.g. 24h)')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only events of this action (repeatable): created, reset, revoked, enabled, disabled, purged, edited, policy, loaded')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Only events by this actor, exactly')
            [CompletionResult]::new('--expect-head', '--expect-head', [CompletionResultType]::ParameterName, 'With --verify: this event must still be in the trail with this hash, as log --head printed it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'After the events so far, print each new one as it is committed, until interrupted')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'After the events so far, print each new one as it is committed, until interrupted')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check the whole trail''s hash chain: exit 0 if intact, 7 naming the first event that does not match')
            [CompletionResult]::new('--head', '--head', [CompletionResultType]::ParameterName, 'Print the latest event''s number and hash as SEQ:HASH, to keep where the database''s writers cannot reach')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;edit' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A new display name')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'A new owner')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Replace the scopes with these (repeatable)')
            [CompletionResult]::new('--add-scope', '--add-scope', [CompletionResultType]::ParameterName, 'Add a scope (repeatable)')
            [CompletionResult]::new('--remove-scope', '--remove-scope', [CompletionResultType]::ParameterName, 'Remove a scope (repeatable)')
            [CompletionResult]::new('--expires-in', '--expires-in', [CompletionResultType]::ParameterName, 'Expire this long from now, e.g. 90d, 12h, 2w, 1d12h')
            [CompletionResult]::new('--expires-at', '--expires-at', [CompletionResultType]::ParameterName, 'Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--no-owner', '--no-owner', [CompletionResultType]::ParameterName, 'Remove the owner')
            [CompletionResult]::new('--no-expiry', '--no-expiry', [CompletionResultType]::ParameterName, 'Never expire')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;policy' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a rule: default-lifetime, max-lifetime, one-per-owner, require-owner, allowed-scopes, max-grace')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Unset a rule: its built-in default is in force again')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;policy;set' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;policy;unset' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;policy;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a rule: default-lifetime, max-lifetime, one-per-owner, require-owner, allowed-scopes, max-grace')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Unset a rule: its built-in default is in force again')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;policy;help;set' {
            break
        }
        'tokenctl;policy;help;unset' {
            break
        }
        'tokenctl;policy;help;help' {
            break
        }
        'tokenctl;dump' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;load' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;scan' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: human; jsonl with the global JSON option]')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Print a rule for another scanner instead of scanning')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Search ignored and hidden files too (.gitignore, .ignore, git''s excludes)')
            [CompletionResult]::new('--hidden', '--hidden', [CompletionResultType]::ParameterName, 'Search hidden files and directories, still honouring ignore files')
            [CompletionResult]::new('--revoke', '--revoke', [CompletionResultType]::ParameterName, 'Revoke every live token found, in one transaction, after one confirmation')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'With --revoke: do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'With --revoke: do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data the command exists for (a new secret); no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokenctl;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the database, optionally with a token prefix (create does this too)')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Issue a token and print its secret, once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tokens, secrets masked')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one token in detail, secret masked')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token, or every token of an owner not revoked yet; irreversible')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Give a token a new secret under the same id; the old secret stops working at once, or after --grace')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Switch a disabled token on again')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Switch a token off until `enable` switches it on; verify then answers "disabled"')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a token read from stdin (never from the command line)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer verify and administration requests over HTTP')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete expired (and optionally revoked) tokens, for cron')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the audit trail of changes, oldest first')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a token''s name, owner, scopes or expiry; never its secret')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show or change the database''s policy: the rules for new and changed tokens')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Write the whole database to stdout as JSON Lines, to back it up or move it')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Fill an empty database from a dump read on stdin, keeping ids, hashes and the trail')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Find this database''s tokens in files, directories or stdin, and say which are live')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;help;init' {
            break
        }
        'tokenctl;help;create' {
            break
        }
        'tokenctl;help;list' {
            break
        }
        'tokenctl;help;show' {
            break
        }
        'tokenctl;help;revoke' {
            break
        }
        'tokenctl;help;reset' {
            break
        }
        'tokenctl;help;enable' {
            break
        }
        'tokenctl;help;disable' {
            break
        }
        'tokenctl;help;verify' {
            break
        }
        'tokenctl;help;serve' {
            break
        }
        'tokenctl;help;purge' {
            break
        }
        'tokenctl;help;log' {
            break
        }
        'tokenctl;help;edit' {
            break
        }
        'tokenctl;help;policy' {
            break
        }
        'tokenctl;help;dump' {
            break
        }
        'tokenctl;help;load' {
            break
        }
        'tokenctl;help;scan' {
            break
        }
        'tokenctl;help;completions' {
            break
        }
        'tokenctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
