#!/usr/bin/env bash
# The performance benchmark of SPEC §6, in one command:
#
#   bench/run.sh
#
# Builds tokenctl and the benchmark in release mode, seeds a database of
# BENCH_TOKENS (default 1,000,000) tokens through the library, times the real
# binary beside a minimal lookup program, and prints a Markdown table.
# Needs cargo and GNU time (/usr/bin/time, Debian package `time`, for peak
# memory); installs the latter with apt-get when run as root.
# Settings: BENCH_TOKENS, BENCH_RUNS, BENCH_DIR, BENCH_KEEP=1 (see
# examples/bench.rs); BENCH_PROFILE=dev reuses a debug build (CI smoke run).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq time >/dev/null
  else
    echo "bench: GNU time (/usr/bin/time) is needed for peak memory: apt-get install time" >&2
    exit 1
  fi
fi

profile=${BENCH_PROFILE:-release}
cargo build --locked --profile "$profile" --bin tokenctl --example bench --example minimal_lookup
dir=release
[ "$profile" = dev ] && dir=debug
exec "${CARGO_TARGET_DIR:-target}/$dir/examples/bench"
