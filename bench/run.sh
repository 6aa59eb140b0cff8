#!/usr/bin/env bash
# The performance benchmark of SPEC §6, in one command:
#
#   bench/run.sh
#
# Builds tokenctl and the benchmark in release mode, seeds a database of
# BENCH_TOKENS (default 1,000,000) tokens through the library, times the real
# binary beside a minimal lookup program, and prints a Markdown table.
# Needs cargo, GNU time (/usr/bin/time, Debian package `time`, for peak
# memory), wrk (for the serve rows) and ripgrep (for the scan row); installs
# them with apt-get when run as root.
# Settings: BENCH_TOKENS, BENCH_RUNS, BENCH_DIR, BENCH_KEEP=1 (see
# examples/bench.rs); BENCH_PROFILE=dev reuses a debug build (CI smoke run).
# The PostgreSQL rows run against a throwaway server that
# scripts/with-postgres.sh starts (and installs when missing); BENCH_NO_PG=1
# leaves them out, BENCH_PG=URL uses a database of your own (empty; the
# password in PGPASSWORD).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${BENCH_PG:-}" ] && [ -z "${BENCH_NO_PG:-}" ]; then
  if [ -z "${TOKENCTL_TEST_PG:-}" ]; then
    exec scripts/with-postgres.sh "$0" "$@"
  fi
  PGPASSWORD=$(cat "$TOKENCTL_TEST_PG/password")
  export PGPASSWORD
  port=$(cat "$TOKENCTL_TEST_PG/port")
  admin="postgresql://tokenctl_test@127.0.0.1:$port/postgres"
  psql -q -o /dev/null -v ON_ERROR_STOP=1 "$admin" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS tokenctl_bench" -c "CREATE DATABASE tokenctl_bench"
  export BENCH_PG="postgresql://tokenctl_test@127.0.0.1:$port/tokenctl_bench?sslmode=disable"
fi

# wrk drives the serve rows (SPEC §9); without it they are left out.
if ! command -v wrk >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

# ripgrep is the scan row's yardstick (SPEC §6); without it the row is left out.
if ! command -v rg >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null
fi

if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq time >/dev/null
  else
    echo "bench: GNU time (/usr/bin/time) is needed for peak memory: apt-get install time" >&2
    exit 1
  fi
fi

# The path of each executable cargo built, from its JSON messages.
built() {
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p'
}

# BENCH_BASELINE_REV=<git revision>: build that revision's tokenctl too and
# time it beside this one (before and after a change, in one run).
if [ -n "${BENCH_BASELINE_REV:-}" ] && [ -z "${BENCH_BASELINE:-}" ]; then
  base_dir=$(mktemp -d)
  trap 'git worktree remove --force "$base_dir/src" >/dev/null 2>&1; rm -rf "$base_dir"' EXIT
  git worktree add --detach -q "$base_dir/src" "$BENCH_BASELINE_REV"
  BENCH_BASELINE=$(cd "$base_dir/src" && CARGO_TARGET_DIR="$base_dir/target" cargo build --locked --release --bin tokenctl --message-format=json-render-diagnostics | built)
  export BENCH_BASELINE
fi

profile=${BENCH_PROFILE:-release}
# The programs under test are copied into a directory of their own and run
# from there, as `cargo install` copies tokenctl: a file the linker has just
# written sits in the page cache in small pieces, which made each process
# that maps it slower here (by 0.5 ms for tokenctl, 0.2 ms for the minimal
# program), and not equally for every program.
bin_dir=${CARGO_TARGET_DIR:-target}/bench-bin
rm -rf -- "$bin_dir"
mkdir -p -- "$bin_dir"
# tokenctl first and alone, with the features `cargo install` gives it:
# built beside the examples it would get those their dev-dependencies ask
# of shared crates too (regex's Unicode tables: 5,400 more pointers for
# the loader to fix up at every start), a bigger binary than users run.
tokenctl=$(cargo build --locked --profile "$profile" --bin tokenctl --message-format=json-render-diagnostics | built)
cp -- "$tokenctl" "$bin_dir/tokenctl"
examples=$(cargo build --locked --profile "$profile" --example bench --example minimal_lookup --example minimal_pg_lookup --example minimal_http --example minimal_batch --message-format=json-render-diagnostics | built)
for program in $examples; do
  cp -- "$program" "$bin_dir/"
done
BENCH_BIN_DIR=$bin_dir "$bin_dir/bench"
