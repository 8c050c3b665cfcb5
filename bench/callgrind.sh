#!/usr/bin/env bash
# Instructions per request of each scenario of `jwt-auth/benches/profile.rs`, counted by
# callgrind: unlike times, the counts do not move with the load of a shared machine, so they
# show what a change saves. They include the whole request through `tower::ServiceExt::oneshot`
# (routing, the handler, the JSON body), not only the authentication; the ratio to `no-layer`
# is the cost of the layer.
#
#   bench/callgrind.sh                  # every scenario
#   N=2000 bench/callgrind.sh hit miss  # some scenarios, 2000 requests each
#
# Each run also leaves `callgrind.out.<scenario>` in $OUT (default: a temporary directory) for
# `callgrind_annotate`.
set -euo pipefail

N=${N:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] ||
    scenarios=(no-layer hit miss foreign-miss mixed-miss cycle bad-signature bad-cycle missing scoped-hit guarded-hit remote-hit remote-miss decode foreign-decode raw-decode)

binary=$(cargo bench -p jwt-auth --bench profile --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "profile" and m.get("executable"):
        print(m["executable"])')
[[ -x $binary ]] || { echo "the profile bench did not build" >&2; exit 1; }

printf '%-15s %12s %8s\n' scenario instr/req ratio
base=
for scenario in "${scenarios[@]}"; do
    count=$N
    # The cycles are counted over whole cycles of 10,000 tokens.
    if [[ $scenario == cycle || $scenario == bad-cycle ]]; then
        count=10000
    fi
    file=$OUT/callgrind.out.$scenario
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured*' \
        --callgrind-out-file="$file" "$binary" "$scenario" "$count" 2>/dev/null
    total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$file")
    per=$((total / count))
    if [[ $scenario == no-layer ]]; then
        base=$per
    fi
    if [[ -n $base && $scenario != decode && $scenario != foreign-decode && $scenario != raw-decode ]]; then
        ratio=$(python3 -c "print(f'{$per / $base:.2f}')")
    else
        ratio=-
    fi
    printf '%-15s %12d %8s\n' "$scenario" "$per" "$ratio"
done
echo "callgrind files: $OUT" >&2
