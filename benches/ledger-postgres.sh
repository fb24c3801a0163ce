#!/usr/bin/env bash
# The PostgreSQL ledger's figures, on a server of your choice (an admin URL
# in GENBUDGET_BENCH_POSTGRES, e.g. the one `.ci/postgres start DIR PORT`
# prints; add ?sslmode=disable for a loopback server):
#
#   3p. a durable `ledger charge` on PostgreSQL (connect, authenticate,
#       lock the head row, check, write, commit) ÷ `genbudget --version`
#       (goal ≤ 4), with hyperfine;
#   3b. the same charge through PgBouncer in session mode, where it is
#       installed (warm server sessions: the answer for many commands);
#   5.  library reserve+settle pairs/s from 16 threads with a connection
#       each ÷ `pgbench -N -c 16` tx/s on the same server, alternating, in
#       the same run (goal ≥ 0.3);
#   5s. the ceiling of that ratio for rule 1's shape (lock the head row
#       first, read, decide in the client, write), run by pgbench itself;
#   5t. the same shape without the client's turn inside the lock (what a
#       design deciding in a stored function could reach at most).
#
# Usage: benches/ledger-postgres.sh [RUNS]   (default 200)
#        GENBUDGET_BENCH_SOCKET=DIR also measures the charge over the
#        server's Unix socket in DIR (as the URL's user, without password).
# Needs hyperfine, python3, psql and pgbench (Debian: postgresql-client);
# 3b also pgbouncer.
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
# 3b. The same through PgBouncer in session mode (warm server sessions),
# where it is installed: over TCP with a SCRAM password, as 3p's TCP, and
# over its Unix socket without one, as 3p's socket.
pgbouncer=$(command -v pgbouncer || { [ -x /usr/sbin/pgbouncer ] && echo /usr/sbin/pgbouncer; } || true)
if [ -n "$pgbouncer" ]; then
  user=${base#*://}; auth=${user%%@*}; user=${auth%%:*}; pass=${auth#*:}
  hostport=${base#*@}; hostport=${hostport%%/*}
  pbport=56432
  while (echo >"/dev/tcp/127.0.0.1/$pbport") 2>/dev/null; do pbport=$((pbport + 1)); done
  pb=$(mktemp -d /tmp/gb-bench-pgbouncer.XXXXXX)
  cat >"$pb/pgbouncer.ini" <<INI
[databases]
gb_bench_cli = host=${hostport%:*} port=${hostport##*:} dbname=gb_bench_cli user=$user password='$pass'
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pbport
unix_socket_dir = $pb
auth_type = hba
auth_hba_file = $pb/hba.conf
auth_file = $pb/users.txt
pool_mode = session
server_reset_query = DISCARD ALL
default_pool_size = 4
logfile = $pb/pgbouncer.log
pidfile = $pb/pgbouncer.pid
INI
  echo "\"$user\" \"$pass\"" >"$pb/users.txt"
  # The socket needs no password (`local` connections are trusted).
  printf 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n' >"$pb/hba.conf"
  touch "$pb/pgbouncer.log"
  chmod 1777 "$pb"; chmod 644 "$pb"/*; chmod 666 "$pb/pgbouncer.log"
  # PgBouncer refuses to run as root.
  as=(); [ "$(id -u)" = 0 ] && as=(-u nobody)
  "$pgbouncer" -d "${as[@]}" "$pb/pgbouncer.ini"
  for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$pbport") 2>/dev/null && break; sleep 0.1; done
  charge pooled-tcp "postgres://$user:$pass@127.0.0.1:$pbport/gb_bench_cli?sslmode=disable" ptcp
  charge pooled-socket "postgres:///gb_bench_cli?host=$pb&port=$pbport&user=$user" psock
  ways="$ways pooled-tcp pooled-socket"
  kill "$(cat "$pb/pgbouncer.pid")" 2>/dev/null || true
  rm -rf "$pb"
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

# 5s. The ceiling of rule 1's shape, whatever the client: pgbench itself
# (C, libpq, one pipeline per round trip) running what a reserve does on
# the server: lock the head row first, 12 indexed reads, back to the
# client, 4 writes, commit without waiting for the flush, then the flush
# message. Its tx/s ÷ 2 (a pair is two such transactions) ÷ pgbench -N is
# the best ratio any client of this design gets on this server.
# 5t. The same without the trip back to the client between the reads and
# the writes: the most a design that decided on the server (a stored
# function holding the rules) could get, for comparison.
psql -q "$PGB" -c "DROP TABLE IF EXISTS shape_head" -c "CREATE TABLE shape_head (id int PRIMARY KEY, n bigint)" \
  -c "INSERT INTO shape_head VALUES (1, 0)"
shape() { # TURN (1: back to the client between reads and writes, 0: not)
  for i in $(seq 0 11); do echo "\\set a$i random(1, 100)"; done
  echo '\startpipeline'
  echo 'BEGIN;'
  echo 'SET LOCAL synchronous_commit = off;'
  echo 'SELECT n FROM shape_head WHERE id = 1 FOR UPDATE;'
  for i in $(seq 0 11); do echo "SELECT abalance FROM pgbench_accounts WHERE aid = :a$i;"; done
  if [ "$1" = 1 ]; then
    echo '\endpipeline'
    echo '\startpipeline'
  fi
  echo 'UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :a1;'
  echo 'UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :a2;'
  echo 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, :a3, 1, CURRENT_TIMESTAMP);'
  echo 'UPDATE shape_head SET n = n + 1 WHERE id = 1;'
  echo 'END;'
  echo "SELECT pg_logical_emit_message(true, 'genbudget', 'flush');"
  echo '\endpipeline'
}
shape 1 >"$DIR/shape.sql"
shape 0 >"$DIR/shape-server.sql"
for f in shape shape-server; do
  t=$(pgbench -n -M prepared -c 16 -j 2 -T 10 -f "$DIR/$f.sql" "$PGB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
  tps=$(pgbench -N -c 16 -j 2 -T 10 "$PGB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
  case $f in
    shape) label="5s. rule 1 shape in pgbench" ;;
    *) label="5t. the same, deciding on the server (no trip to the client)" ;;
  esac
  python3 -c "print(f'$label, 16 clients: $t tx/s = {$t/2:.0f} pairs/s; pgbench -N: $tps tx/s; ratio {$t/2/$tps:.2f}')"
done

psql -q "$ADMIN" -c "DROP DATABASE gb_bench_cli WITH (FORCE)" -c "DROP DATABASE gb_bench_lib WITH (FORCE)" \
  -c "DROP DATABASE gb_bench_pgbench WITH (FORCE)"
