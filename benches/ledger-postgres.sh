#!/usr/bin/env bash
# The PostgreSQL ledger's figures, on a server of your choice (an admin URL
# in GENBUDGET_BENCH_POSTGRES, e.g. the one `.ci/postgres start DIR PORT`
# prints; add ?sslmode=disable for a loopback server):
#
#   3p. a durable `ledger charge` on PostgreSQL (connect, authenticate,
#       lock the head row, check, write, commit) ÷ `genbudget --version`
#       (goal ≤ 4), with hyperfine;
#   5.  library reserve+settle pairs/s from 16 threads with a connection
#       each ÷ `pgbench -N -c 16` tx/s on the same server, alternating, in
#       the same run (goal ≥ 0.3).
#
# Usage: benches/ledger-postgres.sh [RUNS]   (default 200)
#        GENBUDGET_BENCH_SOCKET=DIR also measures the charge over the
#        server's Unix socket in DIR (as the URL's user, without password).
# Needs hyperfine, python3, psql and pgbench (Debian: postgresql-client).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
ADMIN=${GENBUDGET_BENCH_POSTGRES:?set GENBUDGET_BENCH_POSTGRES to an admin URL}
for tool in hyperfine python3 psql pgbench; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 2; }
done
cargo build --release --quiet
GB=$PWD/target/release/genbudget
DIR=${GENBUDGET_BENCH_DIR:-$PWD/target/bench-ledger}
mkdir -p "$DIR"
export GENBUDGET_NOW=2026-04-20T09:00:00Z
unset GENBUDGET_DB GENBUDGET_BUSY_TIMEOUT_MS
base=${ADMIN%%\?*}
query=${ADMIN#"$base"}
url() { echo "${base%/*}/$1$query"; }
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS gb_bench_cli WITH (FORCE)" -c "CREATE DATABASE gb_bench_cli" \
  -c "DROP DATABASE IF EXISTS gb_bench_lib WITH (FORCE)" -c "CREATE DATABASE gb_bench_lib" \
  -c "DROP DATABASE IF EXISTS gb_bench_pgbench WITH (FORCE)" -c "CREATE DATABASE gb_bench_pgbench"
CLI=$(url gb_bench_cli)
"$GB" --db "$CLI" ledger init >/dev/null
"$GB" --db "$CLI" ledger user add alice --cap 100000000 --period month >/dev/null

# 3p. Every run charges a new key (hyperfine's {i}), so every run writes.
# Over TCP with the URL's password (SCRAM), and, with GENBUDGET_BENCH_SOCKET
# set to the server's socket directory, over the Unix socket too.
charge() { # NAME URL PREFIX
  hyperfine -N --style basic --runs 1 --parameter-scan i 1 "$RUNS" --export-json "$DIR/pg-charge-$1.json" \
    -n "ledger charge" "$GB --db $2 ledger charge alice --key $3-{i} --credits 2.5" >/dev/null
}
hyperfine -N --style basic --warmup 10 --runs "$RUNS" --export-json "$DIR/pg-version.json" \
  -n "genbudget --version" "$GB --version" >/dev/null
charge tcp "$CLI" tcp
ways=tcp
if [ -n "${GENBUDGET_BENCH_SOCKET:-}" ]; then
  user=${base#*://}; user=${user%%[:@]*}
  port=${base##*:}; port=${port%%/*}
  charge socket "postgres:///gb_bench_cli?host=$GENBUDGET_BENCH_SOCKET&port=$port&user=$user" sock
  ways="tcp socket"
fi
"$GB" --db "$CLI" ledger verify >/dev/null
# For scale: what one connection (connect, authenticate, SELECT 1) costs
# libpq's own client, pgbench, over TCP.
echo "SELECT 1;" >"$DIR/select1.sql"
conn=$(pgbench -n -C -f "$DIR/select1.sql" -T 5 "$CLI" 2>/dev/null | sed -n 's/^average connection time = \([0-9.]*\).*/\1/p')
python3 - "$DIR" "$conn" $ways <<'PY'
import json, statistics, sys
d = sys.argv[1]
v = json.load(open(f"{d}/pg-version.json"))["results"][0]["mean"]
for way in sys.argv[3:]:
    c = [r["mean"] for r in json.load(open(f"{d}/pg-charge-{way}.json"))["results"]]
    m = statistics.mean(c)
    print(f"3p. charge on PostgreSQL over {way}: {m*1e3:.2f} ms (median {statistics.median(c)*1e3:.2f}), "
          f"--version {v*1e3:.2f} ms; ratio {m/v:.2f} (goal <= 4)")
print(f"    (pgbench -C: one TCP connection with authentication costs libpq {sys.argv[2]} ms)")
PY

# 5. Alternating rounds: the ledger library, then pgbench.
PGB=$(url gb_bench_pgbench)
pgbench -q -i -s 16 "$PGB" >/dev/null 2>&1
for round in 1 2; do
  lib=$(GENBUDGET_BENCH_POSTGRES=$(url gb_bench_lib) cargo bench --quiet --bench ledger -- postgres | grep '^5\.')
  echo "$lib"
  tps=$(pgbench -N -c 16 -j 2 -T 10 "$PGB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
  pairs=$(echo "$lib" | sed -n 's/.* \([0-9]*\) pairs\/s.*/\1/p')
  python3 -c "print(f'5. round $round: pgbench -N -c 16: $tps tx/s; ledger $pairs pairs/s; ratio {$pairs/$tps:.2f} (goal >= 0.3)')"
done
psql -q "$ADMIN" -c "DROP DATABASE gb_bench_cli WITH (FORCE)" -c "DROP DATABASE gb_bench_lib WITH (FORCE)" \
  -c "DROP DATABASE gb_bench_pgbench WITH (FORCE)"
