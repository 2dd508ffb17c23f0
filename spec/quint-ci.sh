#!/usr/bin/env bash
# CI for the Quint specs (spec/*.qnt), with the typescript backend (the only one that works
# offline: the rust backend and `verify` download binaries). Fails if:
#  - any spec does not typecheck, or any of its `run ...Test` tests fails;
#  - a seeded random simulation violates the invariants of Voting, Paxos or MultiPaxos;
#  - non-vacuity: the "nothing is ever learned" invariant is NOT violated (so the simulation
#    really reaches decisions), or the mutant MultiPaxos (phase 2a ignoring phase 1 reports)
#    is NOT caught by the invariants.
# Seeds are fixed, so a run is reproducible; SAMPLES_SCALE multiplies the sample counts for a
# longer local run (e.g. SAMPLES_SCALE=10 bash spec/quint-ci.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
quint=node_modules/.bin/quint
scale=${SAMPLES_SCALE:-1}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

say() { printf '[quint-ci] %s\n' "$*"; }

for spec in Voting Paxos MultiPaxos; do
  say "typecheck spec/$spec.qnt"
  "$quint" typecheck "spec/$spec.qnt"
done

for main in Voting:Voting Paxos:Paxos MultiPaxos:MultiPaxos MultiPaxos:MultiPaxosMutant; do
  say "test ${main#*:} (spec/${main%%:*}.qnt)"
  "$quint" test --backend typescript --main "${main#*:}" "spec/${main%%:*}.qnt" --verbosity 1
done

# run FILE MAIN INVARIANT SEED SAMPLES STEPS: a seeded simulation; its exit status is quint's.
run() {
  say "run $2: invariant $3, seed $4, $(( $5 * scale )) samples x $6 steps"
  "$quint" run --backend typescript --main "$2" --invariant "$3" --seed "$4" \
    --max-samples "$(( $5 * scale ))" --max-steps "$6" --verbosity 1 "spec/$1.qnt" >"$log" 2>&1
}

run Voting Voting Inv 1 30 20 || { cat "$log"; exit 1; }
run Paxos Paxos Inv 1 15 25 || { cat "$log"; exit 1; }
run MultiPaxos MultiPaxos Inv 1 8 30 || { cat "$log"; exit 1; }

# Expected failures: under set -e, `if cmd; then fail; fi`, never `! cmd`.
if run MultiPaxos MultiPaxos NothingLearned 1 40 30; then
  cat "$log"; say "FAIL: no simulation learned anything (the invariants above may hold vacuously)"; exit 1
fi
grep -q 'Invariant violated' "$log" || { cat "$log"; say "FAIL: quint failed for another reason than the expected violation"; exit 1; }
if run MultiPaxos MultiPaxosMutant Inv 1 40 30; then
  cat "$log"; say "FAIL: the mutant (phase 2a ignoring phase 1 reports) was not caught"; exit 1
fi
grep -q 'Invariant violated' "$log" || { cat "$log"; say "FAIL: quint failed for another reason than the expected violation"; exit 1; }
say "all Quint checks passed"
