#!/usr/bin/env bash
# The estimate benchmark (issue: goal <= 0.1 of Python's time):
#  1. a generated plan of 100,000 items across every kind;
#  2. the whole `genbudget estimate --format json` process against Python's
#     `tomllib` merely parsing the same file, in one hyperfine run;
#  3. items per second for the pure steps (parse, estimate) in-process.
#
#   bash benches/estimate.sh [ITEMS]      (needs hyperfine and python3 >= 3.11)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cargo build --release --quiet
mkdir -p target/bench
plan=target/bench/plan-$n.toml
python3 benches/gen-plan.py "$n" > "$plan"
echo "plan: $plan ($(wc -c < "$plan") bytes, $n items)"
# The same plan with the prompt-text items given token counts instead, to
# show what counting prompts (o200k_base) costs.
noprompt=target/bench/plan-$n-no-prompts.toml
grep -v '^prompt = ' "$plan" | sed 's|^model = "openai/gpt-5"$|model = "openai/gpt-5"\ninput_tokens = 14|' > "$noprompt"
bin=target/release/genbudget
out=$(mktemp)
hyperfine -N --warmup 2 --runs 10 --export-json "$out" \
  "$bin estimate $plan --format json" \
  "python3 -c 'import tomllib,sys; tomllib.load(open(sys.argv[1],\"rb\"))' $plan" \
  "$bin estimate $noprompt --format json" >/dev/null
python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
# Medians: this VM has occasional slow runs (page-zeroing stalls) that
# would dominate a mean.
g, p, q = r[0]["median"], r[1]["median"], r[2]["median"]
print(f"medians of 10 runs: genbudget estimate --format json: {g*1e3:.0f} ms   python tomllib parse: {p*1e3:.0f} ms   ratio: {g/p:.3f} (goal <= 0.1)")
print(f"same plan without prompt texts: {q*1e3:.0f} ms   ratio: {q/p:.3f}")
PY
cargo bench --quiet --bench estimate -- "$plan"
