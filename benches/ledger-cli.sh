#!/usr/bin/env bash
# Whole-process timings of the ledger CLI, with hyperfine (Debian package
# `hyperfine`, or `cargo install hyperfine`) and the sqlite3 shell:
#
#   3. a durable `ledger charge` (open, check, write, fsync, close) ÷
#      `genbudget --version` (goal ≤ 2.5);
#   4. `ledger report --by day` over 1,000,000 journal entries ÷ the sqlite3
#      shell running SQLite's own GROUP BY over the same rows of the same file.
#
# Usage: benches/ledger-cli.sh [RUNS]   (default 200 runs for 3, RUNS/10 for 4)
# The 1,000,000-entry ledger comes from `cargo bench --bench ledger` (built
# on first use, about 30 s) in $GENBUDGET_BENCH_DIR (default target/bench-ledger).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
for tool in hyperfine sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed (apt-get install $tool)" >&2; exit 2; }
done
cargo build --release --quiet
GB=$PWD/target/release/genbudget
DIR=${GENBUDGET_BENCH_DIR:-$PWD/target/bench-ledger}
BIG=$DIR/journal-1000000.db
mkdir -p "$DIR"
export GENBUDGET_NOW=2026-04-20T09:00:00Z
unset GENBUDGET_DB GENBUDGET_BUSY_TIMEOUT_MS

# ratio NAME FILE: mean of the second command ÷ mean of the first.
ratio() {
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))["results"]
a, b = r[0], r[1]
print(f"{sys.argv[1]}: {b['command']} {b['mean']*1e3:.2f} ms ± {b['stddev']*1e3:.2f}, "
      f"{a['command']} {a['mean']*1e3:.2f} ms ± {a['stddev']*1e3:.2f}; ratio {b['mean']/a['mean']:.2f}")
PY
}

# 3. A fresh small ledger for every run (hyperfine --prepare, not timed),
# so every charge really writes and syncs.
rm -f "$DIR"/cli-base.db* "$DIR"/cli.db*
"$GB" --db "$DIR/cli-base.db" ledger init >/dev/null
"$GB" --db "$DIR/cli-base.db" ledger user add alice --cap 1000 --period month --max-holds 10 >/dev/null
hyperfine -N --style basic --warmup 10 --runs "$RUNS" --export-json "$DIR/cli-charge.json" \
  -n "genbudget --version" --prepare "cp $DIR/cli-base.db $DIR/cli.db" "$GB --version" \
  -n "ledger charge" --prepare "cp $DIR/cli-base.db $DIR/cli.db" \
  "$GB --db $DIR/cli.db ledger charge alice --key job-1 --credits 2.5" >/dev/null
"$GB" --db "$DIR/cli.db" ledger verify >/dev/null
ratio "3. durable charge ÷ --version (goal <= 2.5)" "$DIR/cli-charge.json"

# 4. report --by day over 1,000,000 entries vs sqlite3's GROUP BY.
if [ ! -f "$BIG" ]; then
  cargo bench --bench ledger -- report quick >/dev/null
fi
SQL="SELECT day, count(*), sum(credits), count(over), sum(over) FROM journal WHERE kind IN ('settle', 'charge') GROUP BY day"
R4=$(( RUNS / 10 > 3 ? RUNS / 10 : 3 ))
hyperfine -N --style basic --warmup 2 --runs "$R4" --export-json "$DIR/cli-report.json" \
  -n "sqlite3 GROUP BY" "sqlite3 -csv $BIG \"$SQL\"" \
  -n "ledger report --by day" "$GB --db $BIG ledger report --by day --format csv" >/dev/null
ratio "4. report --by day over 1,000,000 entries ÷ sqlite3 GROUP BY" "$DIR/cli-report.json"
