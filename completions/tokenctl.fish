# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tokenctl_global_optspecs
    string join \n db= json q/quiet color= actor= h/help V/version
end

function __fish_tokenctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tokenctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tokenctl_using_subcommand
    set -l cmd (__fish_tokenctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tokenctl -n "__fish_tokenctl_needs_command" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_needs_command" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_needs_command" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_needs_command" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "init" -d 'Create the database, optionally with a token prefix (create does this too)'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "create" -d 'Issue a token and print its secret, once'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "list" -d 'List tokens, secrets masked'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "show" -d 'Show one token in detail, secret masked'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "revoke" -d 'Revoke a token, or every token of an owner not revoked yet; irreversible'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "reset" -d 'Give a token a new secret under the same id; the old secret stops working at once, or after --grace'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "enable" -d 'Switch a disabled token on again'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "disable" -d 'Switch a token off until `enable` switches it on; verify then answers "disabled"'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "verify" -d 'Check a token read from stdin (never from the command line)'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "serve" -d 'Answer verify and administration requests over HTTP'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "purge" -d 'Delete expired (and optionally revoked) tokens, for cron'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "log" -d 'Show the audit trail of changes, oldest first'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "edit" -d 'Change a token\'s name, owner, scopes or expiry; never its secret'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "policy" -d 'Show or change the database\'s policy: the rules for new and changed tokens'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "dump" -d 'Write the whole database to stdout as JSON Lines, to back it up or move it'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "load" -d 'Fill an empty database from a dump read on stdin, keeping ids, hashes and the trail'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "scan" -d 'Find this database\'s tokens in files, directories or stdin, and say which are live'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand init" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand init" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand init" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand init" -l prefix -d 'Token prefix for this database: a lowercase letter, then 1-15 lowercase letters or digits' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand init" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand init" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand init" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l name -d 'Display name, 1-100 characters, no control characters' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l owner -d 'The user, e-mail or application the token belongs to' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l scope -d 'A scope to grant (repeatable): a-z first, then a-z 0-9 : . _ - [default: read, write]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l expires-in -d 'Expire this long from now, e.g. 90d, 12h, 2w, 1d12h' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l expires-at -d 'Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l no-expiry -d 'Never expire'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -l replace -d 'Revoke the owner\'s live token in the same transaction, after a confirmation'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -s y -l yes -d 'With --replace: do not ask for confirmation (needed without a terminal)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand create" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l status -d 'Only tokens in this state' -r -f -a "revoked\t'Revoked: final'
expired\t'Past its expiry'
disabled\t'Switched off; `enable` switches it on again'
active\t'Valid'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l owner -d 'Only tokens of this owner' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l expiring-within -d 'Only tokens, not revoked, that expire within this long from now' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand revoke" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand revoke" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand revoke" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand revoke" -l owner -d 'Instead of one token: every token of this owner not revoked yet, in one transaction' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand revoke" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand revoke" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand revoke" -s y -l yes -d 'Do not ask for confirmation (needed without a terminal)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand revoke" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -l expires-in -d 'Expire this long from now, e.g. 90d, 12h, 2w, 1d12h' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -l expires-at -d 'Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -l grace -d 'Let the replaced secret keep verifying this long, e.g. 1h, 2d (at most the policy\'s max-grace, 7d by default)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -l owner -d 'Hand the token to this owner in the same step' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -l no-expiry -d 'Never expire'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -s y -l yes -d 'Do not ask for confirmation (needed without a terminal)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand reset" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l require-scope -d 'Also require this scope (repeatable); lacking one is exit 4' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l owner -d 'The token must also belong to this owner, exactly; else it is rejected as wrong_owner' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l batch -d 'Read one token per line until end of input; write one JSON line per input line'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l listen -d 'Address and port to answer on, e.g. 0.0.0.0:8750 or [::1]:8750' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l metrics-listen -d 'Also answer GET /metrics (Prometheus text) on this address; off unless given' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l tls-cert -d 'Serve HTTPS (and HTTP/2) with this certificate chain, PEM' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l tls-key -d 'The private key of --tls-cert, PEM; nobody but its owner may change it, nobody outside its group read it' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l allow-plain-http -d 'Allow plain HTTP on an address other than loopback (a proxy in front terminates TLS)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -l older-than -d 'Only tokens that expired (or were revoked) at least this long ago, e.g. 30d [default: 0s]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -l include-revoked -d 'Also purge tokens revoked at least --older-than ago, expired or not'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -l dry-run -d 'Report what would be purged; change nothing'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand purge" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l limit -d 'Only the N most recent of the events that pass the other filters, still printed oldest first' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l since -d 'Only events at or after this time (RFC 3339 or a date), or within this long back from now (e.g. 24h)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l action -d 'Only events of this action (repeatable): created, reset, revoked, enabled, disabled, purged, edited, policy, loaded' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l by -d 'Only events by this actor, exactly' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l expect-head -d 'With --verify: this event must still be in the trail with this hash, as log --head printed it' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -s f -l follow -d 'After the events so far, print each new one as it is committed, until interrupted'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l verify -d 'Check the whole trail\'s hash chain: exit 0 if intact, 7 naming the first event that does not match'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -l head -d 'Print the latest event\'s number and hash as SEQ:HASH, to keep where the database\'s writers cannot reach'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l name -d 'A new display name' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l owner -d 'A new owner' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l scope -d 'Replace the scopes with these (repeatable)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l add-scope -d 'Add a scope (repeatable)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l remove-scope -d 'Remove a scope (repeatable)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l expires-in -d 'Expire this long from now, e.g. 90d, 12h, 2w, 1d12h' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l expires-at -d 'Expire at this time: RFC 3339 (2027-01-01T00:00:00Z) or a date (midnight UTC)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l no-owner -d 'Remove the owner'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -l no-expiry -d 'Never expire'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand edit" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -f -a "set" -d 'Set a rule: default-lifetime, max-lifetime, one-per-owner, require-owner, allowed-scopes, max-grace'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -f -a "unset" -d 'Unset a rule: its built-in default is in force again'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set a rule: default-lifetime, max-lifetime, one-per-owner, require-owner, allowed-scopes, max-grace'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "unset" -d 'Unset a rule: its built-in default is in force again'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand dump" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand dump" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand dump" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand dump" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand dump" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand dump" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand load" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand load" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand load" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand load" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand load" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand load" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand load" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l format -d 'Output format [default: human; jsonl with the global JSON option]' -r -f -a "human\t'One line per finding, for people'
jsonl\t'One JSON object per finding (JSON Lines)'
sarif\t'One SARIF 2.1.0 document, for code-scanning upload'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l rules -d 'Print a rule for another scanner instead of scanning' -r -f -a "gitleaks\t'A gitleaks rule, TOML'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l no-ignore -d 'Search ignored and hidden files too (.gitignore, .ignore, git\'s excludes)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l hidden -d 'Search hidden files and directories, still honouring ignore files'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l revoke -d 'Revoke every live token found, in one transaction, after one confirmation'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -s y -l yes -d 'With --revoke: do not ask for confirmation (needed without a terminal)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -l db -d 'Database file or postgresql:// URL, else $TOKENCTL_DB, else ~/.local/share/tokenctl/tokens.db' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -l color -d 'When to colour human output; auto: only on a terminal, without NO_COLOR, and with TERM other than dumb' -r -f -a "auto\t'Colour when stdout is a terminal, NO_COLOR is not set and TERM is not dumb'
always\t'Always colour'
never\t'Never colour'"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -l actor -d 'Who is acting, for the audit trail, else $TOKENCTL_ACTOR, else the OS user' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -l json -d 'Print one JSON document on stdout instead of a table (verify --batch: JSON Lines)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -s q -l quiet -d 'Print only the data the command exists for (a new secret); no notes'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "init" -d 'Create the database, optionally with a token prefix (create does this too)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "create" -d 'Issue a token and print its secret, once'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "list" -d 'List tokens, secrets masked'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "show" -d 'Show one token in detail, secret masked'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "revoke" -d 'Revoke a token, or every token of an owner not revoked yet; irreversible'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "reset" -d 'Give a token a new secret under the same id; the old secret stops working at once, or after --grace'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "enable" -d 'Switch a disabled token on again'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "disable" -d 'Switch a token off until `enable` switches it on; verify then answers "disabled"'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "verify" -d 'Check a token read from stdin (never from the command line)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "serve" -d 'Answer verify and administration requests over HTTP'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "purge" -d 'Delete expired (and optionally revoked) tokens, for cron'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "log" -d 'Show the audit trail of changes, oldest first'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "edit" -d 'Change a token\'s name, owner, scopes or expiry; never its secret'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "policy" -d 'Show or change the database\'s policy: the rules for new and changed tokens'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "dump" -d 'Write the whole database to stdout as JSON Lines, to back it up or move it'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "load" -d 'Fill an empty database from a dump read on stdin, keeping ids, hashes and the trail'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "scan" -d 'Find this database\'s tokens in files, directories or stdin, and say which are live'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from init create list show revoke reset enable disable verify serve purge log edit policy dump load scan completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
