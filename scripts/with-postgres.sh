#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server:
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#   scripts/with-postgres.sh cargo test --locked
#   scripts/with-postgres.sh bash            # a shell with TOKENCTL_TEST_PG set
#
# Starts a fresh cluster in a new temporary directory, runs COMMAND with
# TOKENCTL_TEST_PG set to that directory, then stops the server and deletes
# the directory, also when COMMAND fails or the script gets SIGINT, SIGTERM or
# SIGHUP (the signal is passed on to COMMAND, which gets 10 seconds before
# SIGKILL). Exits with COMMAND's exit status (or dies of the same signal).
# Only SIGKILL of this script leaves a server and its directory behind.
#
# Works from any directory, with no stdin, as root (CI) or as another user.
# PostgreSQL is taken from the newest /usr/lib/postgresql/*/bin; if it (or
# openssl) is missing and we are root, Debian's `postgresql` package is
# installed with apt-get. As root, the server runs as the `postgres` user of
# that package (else a system user `tokenctl-pg` is created); as any other
# user, everything runs as that user. Output is quiet unless something fails.
# Set TMPDIR to put the cluster elsewhere than /tmp (the path must stay short
# enough for a Unix socket, and as root the server user must be able to reach
# it).
#
# Layout of $TOKENCTL_TEST_PG (one-value files have no trailing newline):
#
#   url             postgresql://tokenctl_test@127.0.0.1:PORT/postgres
#                   (no password; add e.g. ?sslmode=verify-full&sslrootcert=...)
#   port            the TCP port on 127.0.0.1, e.g. 24817
#   password        the password of the superuser role tokenctl_test (mode
#                   0600, owned by the invoking user; for PGPASSWORD)
#   pgpass          the same for PGPASSFILE: lines 127.0.0.1:PORT:*:tokenctl_test:PW
#                   and localhost:PORT:*:tokenctl_test:PW (mode 0600, ditto)
#   env             KEY=VALUE lines: PGHOST_SOCKET=$TOKENCTL_TEST_PG/socket,
#                   PGPORT=PORT, PGUSER=tokenctl_test
#   socket/         the Unix socket directory (.s.PGSQL.PORT); trust auth there
#   root.crt        the CA certificate that signed the server's certificate
#   wrong-root.crt  an unrelated CA certificate with the same subject name
#                   (CN=tokenctl test CA) but another key: verify-full with it
#                   must fail
#   server.crt      the server certificate: CN=localhost, subjectAltName
#                   DNS:localhost, IP:127.0.0.1 (ECDSA P-256, valid 7 days)
#   server.key      its key (mode 0600, owned by the server user)
#   server.log      the server's log
#   data/           the cluster (owned by the server user)
#
# No CA private key is kept. The server: UTF-8 (locale C.UTF-8, else C),
# listen_addresses='127.0.0.1', ssl=on, max_connections=200, fsync,
# synchronous_commit and full_page_writes off. pg_hba.conf:
#   local   all all              trust
#   hostssl all all 127.0.0.1/32 scram-sha-256
#   host    all all 127.0.0.1/32 scram-sha-256   (so sslmode=disable works too)
# The directory is mode 0700 (as root: root:<server group> 0750).
set -euo pipefail

me=with-postgres
role=tokenctl_test

say() { printf '%s: %s\n' "$me" "$*" >&2; }
die() {
  say "$@"
  exit 1
}

if [ "${1:-}" = -- ]; then shift; fi
if [ $# -eq 0 ]; then
  printf 'usage: %s COMMAND [ARGS...]\n' "$0" >&2
  exit 2
fi

# The cluster's files are private; the command gets the caller's umask back.
caller_umask=$(umask)
umask 077
DIR=
child=
bindir=
srv_user=

# Internal commands run without the caller's PG* variables (PGPORT, PGHOST,
# PGSSLMODE, ... would change what initdb, the server and psql do) and with
# English messages; COMMAND gets the caller's environment unchanged.
clean_env=("$(command -v env)")
while read -r v; do
  case $v in PG*) clean_env+=(-u "$v") ;; esac
done < <(compgen -e)
clean_env+=(LC_ALL=C)

# Runs a command as the server user, in $DIR, without stdin.
as_server() {
  if [ -z "$srv_user" ]; then
    (cd "$DIR" && "${clean_env[@]}" "$@" </dev/null)
  else
    (cd "$DIR" && runuser -u "$srv_user" -- "${clean_env[@]}" "$@" </dev/null)
  fi
}

# Runs a command with its output in LOG; shows the output if it fails.
quiet() {
  local log=$1 status=0
  shift
  "$@" </dev/null >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    say "failed (exit $status): $*"
    cat "$log" >&2
  fi
  return "$status"
}

# shellcheck disable=SC2317 # these functions run from traps
# Waits up to 10 s until process $1 has exited (gone, or a zombie).
wait_gone() {
  local i stat
  for ((i = 0; i < 100; i++)); do
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    [ "${stat%% *}" != Z ] || return 0
    sleep 0.1
  done
}

# shellcheck disable=SC2317
stop_server() {
  local pidfile=$DIR/data/postmaster.pid pid
  [ -n "$bindir" ] && [ -f "$pidfile" ] || return 0
  pid=$(head -n 1 "$pidfile" 2>/dev/null) || pid=
  case $pid in '' | *[!0-9]*) pid= ;; esac
  if ! as_server "$bindir/pg_ctl" -D "$DIR/data" -m immediate -s -w -t 30 stop \
    >/dev/null 2>&1; then
    # Kill the postmaster; its backends exit when they see it gone.
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  fi
  [ -z "$pid" ] || wait_gone "$pid"
}

# shellcheck disable=SC2317
cleanup() {
  trap '' INT TERM HUP
  set +e
  if [ -n "$DIR" ]; then
    stop_server
    rm -rf -- "$DIR"
  fi
}

# shellcheck disable=SC2317
on_signal() {
  local sig=$1 i
  trap '' INT TERM HUP
  set +e
  if [ -n "$child" ]; then
    kill -s "$sig" "$child" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      kill -0 "$child" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  cleanup
  trap - EXIT "$sig"
  kill -s "$sig" "$$"
  # The signal was ignored when we started: exit as if it had killed us.
  case $sig in INT) exit 130 ;; HUP) exit 129 ;; *) exit 143 ;; esac
}

trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

DIR=$(mktemp -d "${TMPDIR:-/tmp}/tokenctl-pg.XXXXXX")
DIR=$(cd "$DIR" && pwd -P)
# A Unix socket path has at most 107 bytes: $DIR/socket/.s.PGSQL.NNNNN
if [ $((${#DIR} + 20)) -gt 107 ]; then
  die "$DIR is too long a path for a Unix socket; set TMPDIR to a shorter directory (e.g. /tmp)"
fi

# --- PostgreSQL and openssl -------------------------------------------------

find_bindir() {
  local d
  bindir=
  while read -r d; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] &&
      [ -x "$d/psql" ]; then
      bindir=$d
    fi
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
  [ -n "$bindir" ]
}

packages=()
find_bindir || packages+=(postgresql)
command -v openssl >/dev/null || packages+=(openssl)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    die "needs ${packages[*]} (PostgreSQL server binaries under /usr/lib/postgresql/*/bin); install them (apt-get install ${packages[*]}) or run as root"
  fi
  apt=(-qq -o DPkg::Lock::Timeout=120)
  # Packages' scripts inherit our umask: give them the usual one.
  (
    umask 022
    quiet "$DIR/apt.log" apt-get "${apt[@]}" update
    quiet "$DIR/apt.log" env DEBIAN_FRONTEND=noninteractive \
      apt-get "${apt[@]}" install -y --no-install-recommends "${packages[@]}"
  )
  rm -f -- "$DIR/apt.log"
  find_bindir || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin after installing ${packages[*]}"
  command -v openssl >/dev/null || die "no openssl after installing ${packages[*]}"
fi
version=${bindir%/bin}
version=${version##*/}

# --- The server user ----------------------------------------------------------

if [ "$(id -u)" -eq 0 ]; then
  if getent passwd postgres >/dev/null; then
    srv_user=postgres
  else
    srv_user=tokenctl-pg
    if ! getent passwd "$srv_user" >/dev/null; then
      # Tolerate another run creating it at the same moment.
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$srv_user" 2>/dev/null ||
        getent passwd "$srv_user" >/dev/null ||
        die "could not create the system user $srv_user (useradd --system)"
    fi
  fi
  srv_group=$(id -gn "$srv_user")
  chgrp -- "$srv_group" "$DIR"
  chmod 0750 "$DIR"
fi

# Creates a file (or directory, with -d) owned by the server user.
srv_install() {
  if [ -n "$srv_user" ]; then
    install -o "$srv_user" -g "$srv_group" "$@"
  else
    install "$@"
  fi
}

srv_install -d -m 0700 "$DIR/data" "$DIR/socket"
srv_install -m 0640 /dev/null "$DIR/server.log"
if ! as_server test -w "$DIR/data"; then
  die "the server user $srv_user cannot reach $DIR; set TMPDIR to a directory it can traverse (e.g. /tmp)"
fi

# --- Password and TLS -------------------------------------------------------

password=$(openssl rand -hex 24)
printf '%s' "$password" >"$DIR/password"
chmod 0600 "$DIR/password"

tls=$DIR/tls-work
mkdir "$tls"
cat >"$tls/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = tokenctl test CA
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
for ca in root wrong-root; do
  quiet "$tls/openssl.log" openssl req -config "$tls/openssl.cnf" -x509 -new \
    "${ec[@]}" -keyout "$tls/$ca.key" -out "$DIR/$ca.crt" -days 7 -sha256 \
    -subj '/CN=tokenctl test CA' -extensions ca_ext
done
quiet "$tls/openssl.log" openssl req -config "$tls/openssl.cnf" -new "${ec[@]}" \
  -keyout "$DIR/server.key" -out "$tls/server.csr" -subj /CN=localhost
quiet "$tls/openssl.log" openssl x509 -req -in "$tls/server.csr" \
  -CA "$DIR/root.crt" -CAkey "$tls/root.key" \
  -set_serial "0x$(openssl rand -hex 8)" -days 7 -sha256 \
  -extfile "$tls/openssl.cnf" -extensions server_ext -out "$DIR/server.crt"
rm -rf -- "$tls"
chmod 0644 "$DIR/root.crt" "$DIR/wrong-root.crt" "$DIR/server.crt"
chmod 0600 "$DIR/server.key"
if [ -n "$srv_user" ]; then chown -- "$srv_user:$srv_group" "$DIR/server.key"; fi

# --- The cluster --------------------------------------------------------------

# A configuration-file string: '...' with ' doubled.
conf_str() { printf "'%s'" "${1//\'/\'\'}"; }

locales=$(locale -a 2>/dev/null) || locales=
if grep -qiE '^c\.utf-?8$' <<<"$locales"; then
  locale=(--locale=C.UTF-8)
else
  locale=(--no-locale)
fi
srv_install -m 0600 /dev/null "$DIR/initdb.pw"
printf '%s\n' "$password" >"$DIR/initdb.pw"
quiet "$DIR/initdb.log" as_server "$bindir/initdb" -D "$DIR/data" -U "$role" \
  --pwfile="$DIR/initdb.pw" --auth-local=trust --auth-host=scram-sha-256 \
  --encoding=UTF8 "${locale[@]}" --no-sync
rm -f -- "$DIR/initdb.pw" "$DIR/initdb.log"

# Root can write the server user's files; they keep their owner.
cat >>"$DIR/data/postgresql.conf" <<EOF

# scripts/with-postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = $(conf_str "$DIR/socket")
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = scram-sha-256
ssl = on
ssl_cert_file = $(conf_str "$DIR/server.crt")
ssl_key_file = $(conf_str "$DIR/server.key")
include 'port.conf'
EOF
cat >"$DIR/data/pg_hba.conf" <<'EOF'
# scripts/with-postgres.sh
local   all all              trust
hostssl all all 127.0.0.1/32 scram-sha-256
host    all all 127.0.0.1/32 scram-sha-256
EOF

# A port nobody uses, below Linux's ephemeral range (32768-60999) so that no
# outgoing connection takes it meanwhile; a clash is retried at start.
port_free() {
  if command -v ss >/dev/null; then
    [ -z "$(ss -Htan "sport = :$1" 2>/dev/null || echo busy)" ]
  else
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 1; fi
  fi
}
pick_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 12768))
    if port_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "found no free TCP port on 127.0.0.1"
}

started=
for attempt in 1 2 3 4 5; do
  port=$(pick_port)
  srv_install -m 0600 /dev/null "$DIR/data/port.conf"
  printf 'port = %s\n' "$port" >"$DIR/data/port.conf"
  if as_server "$bindir/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -s start >"$DIR/pg_ctl.log" 2>&1; then
    started=1
    break
  fi
  [ -f "$DIR/data/postmaster.pid" ] && break # started but not ready in time
  grep -q 'could not bind\|Address already in use' "$DIR/server.log" || break
done
if [ -z "$started" ]; then
  say "PostgreSQL $version did not start (attempt $attempt); pg_ctl said:"
  cat "$DIR/pg_ctl.log" >&2
  say "server log ($DIR/server.log):"
  cat "$DIR/server.log" >&2
  exit 1
fi
rm -f -- "$DIR/pg_ctl.log"

printf '%s' "$port" >"$DIR/port"
url="postgresql://$role@127.0.0.1:$port/postgres"
printf '%s' "$url" >"$DIR/url"
printf 'PGHOST_SOCKET=%s\nPGPORT=%s\nPGUSER=%s\n' "$DIR/socket" "$port" "$role" \
  >"$DIR/env"
chmod 0644 "$DIR/port" "$DIR/url" "$DIR/env"
printf '%s:%s:*:%s:%s\n' 127.0.0.1 "$port" "$role" "$password" \
  localhost "$port" "$role" "$password" >"$DIR/pgpass"

# It must answer on the socket, and over TCP with TLS and the password.
check() {
  if ! out=$("${clean_env[@]}" "$@" </dev/null 2>&1); then
    say "PostgreSQL $version started but does not answer: $*"
    printf '%s\n' "$out" >&2
    say "server log ($DIR/server.log):"
    cat "$DIR/server.log" >&2
    exit 1
  fi
}
psql=("$bindir/psql" -X -q -A -t -v ON_ERROR_STOP=1)
check "${psql[@]}" -h "$DIR/socket" -p "$port" -U "$role" -d postgres -c 'select 1'
check PGPASSFILE="$DIR/pgpass" "${psql[@]}" \
  "$url?sslmode=verify-full&sslrootcert=$DIR/root.crt" \
  -c 'select 1 from pg_stat_ssl where pid = pg_backend_pid() and ssl'
[ "$out" = 1 ] || die "the TCP connection to PostgreSQL $version is not TLS"

# --- COMMAND ------------------------------------------------------------------

export TOKENCTL_TEST_PG="$DIR"
if [ -t 0 ] && [ -t 2 ]; then
  say "PostgreSQL $version on 127.0.0.1:$port, TOKENCTL_TEST_PG=$DIR (deleted when $1 exits)"
fi
# In the background so that a signal reaches our trap at once. Unlike a plain
# `&`, keep stdin (or its absence) and SIGINT/SIGQUIT as we got them.
if { true <&0; } 2>/dev/null; then
  (
    trap - INT QUIT
    umask "$caller_umask"
    exec "$@"
  ) <&0 &
else
  (
    trap - INT QUIT
    umask "$caller_umask"
    exec "$@"
  ) <&- &
fi
child=$!
status=0
wait "$child" || status=$?
child=
exit "$status"
