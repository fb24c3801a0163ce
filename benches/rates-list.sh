#!/usr/bin/env bash
# Measures what loading the whole built-in price book costs a command:
# `genbudget rates list` against `genbudget --version`, both whole processes,
# in one hyperfine run. Prints the ratio (goal: <= 2).
#
#   bash benches/rates-list.sh            (needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/genbudget
out=$(mktemp)
hyperfine -N --warmup 20 --runs 300 --export-json "$out" \
  "$bin --version" \
  "$bin rates list --as-of 2026-06-01 --format json" >/dev/null
python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
v, l = r[0]["mean"], r[1]["mean"]
print(f"--version: {v*1e3:.2f} ms  rates list: {l*1e3:.2f} ms  ratio: {l/v:.2f}")
PY
