#!/usr/bin/env bash
# Load test of the `jwt_auth` example's protected route: what authentication costs a request,
# against the same route without it, measured on a real socket. The server is
# `bench/server.rs` (the example's application with public benchmark routes), pinned to core 0,
# wrk pinned to core 1, HS256, in alternating rounds of bounded duration, against 127.0.0.1 only.
#
#   bench/http.sh                    # 3 rounds of 5 s per scenario
#   ROUNDS=5 DURATION=10s CONNECTIONS=64 bench/http.sh
#   ROUNDS=15 DURATION=3s TOKENS=300000 SCENARIOS="one-token many-tokens" bench/http.sh
#   ALLOCATOR=mimalloc bench/http.sh # the server with another malloc (see ALLOCATOR below)
#   REDIS_URL=redis://127.0.0.1:6379/ bench/http.sh  # the token state in Redis (RedisStore)
#
# Scenarios (GET, keep-alive, wrk -t1):
#   ceiling        GET /bench/no-auth/<id>: a benchmark route of bench/server.rs, public, the
#                  same user lookup and the same JSON body as /some-path, without
#                  authentication, sent the same request as one-token
#                  (its `Authorization` header included, which it ignores): the ratios are to
#                  this one;
#   ceiling-bare   the same route without the header (for reference: what receiving the
#                  bearer header costs, authenticated or not);
#   ceiling-cycled the same route, driven by the script of many-tokens (a different token in
#                  each request, from Lua): the ceiling for many-tokens and bad-signature, whose
#                  per-request Lua costs wrk's core more than a fixed request does ("vs-own");
#   openapi-json   GET /schema/openapi.json: the excluded route that exists (for reference: it
#                  serializes the whole OpenAPI document per request, so it is no ceiling);
#   excluded-404   GET /schema/no-such-file: excluded too, a small 404 body (for reference);
#   one-token      GET /some-path with the same valid token on every request;
#   many-tokens    GET /some-path cycling through N distinct valid tokens (distinct jti/iat,
#                  same user: the logged-in one);
#   bad-signature  GET /some-path cycling through N tokens whose signature is wrong (401);
#   missing-token  GET /some-path without a token (401);
#   baseline-one   GET /bench/jsonwebtoken with the token of one-token: another benchmark route
#                  of bench/server.rs, the same body behind the obvious hand-written middleware
#                  (`jsonwebtoken::decode` on every request, the key built once), for reference;
#   baseline-many  the same route cycling through the tokens of many-tokens.
#   scoped-one, guarded-one (only when named in SCENARIOS)
#                  GET /bench/protected and GET /bench/guarded, benchmark routes behind the
#                  layer, the second guarded by the scope `bench:read`, both with one valid
#                  token that carries it: the difference between them is what a guard costs;
#   spin-0us, spin-1us, spin-3us, spin-7us (only when named in SCENARIOS)
#                  GET /bench/spin/<id>/<ns>, a benchmark route: the ceiling's request and body
#                  after spinning for 0, 1, 3 or 7 µs, for reference: what a fixed amount of
#                  server time per request costs here (if this machine's ratios were linear in
#                  it, spin-3us would score ceiling time / (ceiling time + 3 µs)); spin-0us is
#                  the route's own cost (a longer path, two parameters).
# ALLOCATOR (default `system`, glibc's malloc): `mimalloc` or `jemalloc` runs the server with
# Debian's build of that allocator preloaded (LD_PRELOAD; the package is installed if missing),
# the ceiling and the scenarios alike. For reference: glibc keeps at most 7 freed chunks of a
# size in its per-thread cache, and a request path that holds more small chunks at once than
# the ceiling's spills into its slower bins and a `malloc_consolidate` per request
# (bench/RESULTS.md, "The allocator").
# Each round runs every scenario between two runs of its ceiling (`ceiling`, or
# `ceiling-cycled` for the scenarios that cycle tokens): ceiling, one-token, ceiling,
# missing-token, ceiling, ..., so that a scenario is compared with the machine as it was just
# before and just after it (this machine's speed drifts by a third within seconds).
# The table, per scenario: the median requests/s and p99 latency over the rounds; `ratio`, of
# the median requests/s to the median of its ceiling's runs; `paired`, the median over the
# rounds of the ratio to the mean of the two ceiling runs around it, and their range; the
# server's CPU time per request (user + system, from /proc/<pid>/stat around each wrk run) and
# `cpu-ratio`, the median of the same bracketing ceilings' CPU time over the scenario's: what
# the throughput ratio would be if the server's core were the only limit, and less moved by
# other processes sharing the machine (they take turns on the core, they do not add to each
# request's CPU time).
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
TOKENS=${TOKENS:-10000}
SERVER_CPU=${SERVER_CPU:-0}
ALLOCATOR=${ALLOCATOR:-system}
CLIENT_CPU=${CLIENT_CPU:-1}
export JWT_SECRET=${JWT_SECRET:-"bench/http.sh: an HS256 secret of at least 32 bytes"}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Installs a Debian package, through sudo unless root.
apt_install() {
    echo "installing $1" >&2
    local sudo=
    [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "$1"
}
command -v wrk >/dev/null || apt_install wrk
if ! python3 -c 'import jwt' 2>/dev/null; then
    echo "installing pyjwt" >&2
    python3 -m pip install --quiet pyjwt || python3 -m pip install --quiet --break-system-packages pyjwt
fi

# The path of a shared library in the loader's cache (ldconfig is in /sbin, which a user's PATH
# may lack; its whole output is read, so that no early exit of awk breaks the pipe).
library_path() {
    local listing
    listing=$(PATH=$PATH:/usr/sbin:/sbin ldconfig -p)
    awk -v lib="$1" '!found && $1 == lib {print $NF; found = 1}' <<<"$listing"
}
preload=
case $ALLOCATOR in
system) ;;
mimalloc | jemalloc)
    if [[ $ALLOCATOR == mimalloc ]]; then
        package=libmimalloc2.0 library=libmimalloc.so.2
    else
        package=libjemalloc2 library=libjemalloc.so.2
    fi
    preload=$(library_path "$library")
    if [[ -z $preload ]]; then
        apt_install "$package"
        preload=$(library_path "$library")
    fi
    [[ -n $preload ]] || { echo "$library not found after installing $package" >&2; exit 1; }
    ;;
*) echo "ALLOCATOR must be system, mimalloc or jemalloc, not $ALLOCATOR" >&2; exit 1 ;;
esac

# REDIS_URL (a Redis of the caller's): the server keeps its token state there (RedisStore), and
# the Redis commands the whole run sent are counted (INFO commandstats before and after).
features=()
if [[ -n ${REDIS_URL:-} ]]; then
    features=(--features redis)
    redis_calls() {
        redis-cli -u "$REDIS_URL" info commandstats |
            awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" {n += $3} END {print n + 0}'
    }
fi
cargo build --release --quiet --example bench_server "${features[@]}"
binary=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples/bench_server

# The server, on one core, on a free port of 127.0.0.1 (parsed from its listening line); an
# LD_PRELOAD of the caller's is left as it is unless ALLOCATOR names another malloc.
HOST=127.0.0.1 PORT=0 env ${preload:+"LD_PRELOAD=$preload"} \
    taskset -c "$SERVER_CPU" "$binary" >"$work/server.log" 2>&1 &
server_pid=$!
base=
for _ in $(seq 100); do
    if base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.log" 2>/dev/null); then
        break
    fi
    sleep 0.1
done
[[ -n $base ]] || { echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
if [[ -n $preload ]]; then
    grep -qF "$(realpath "$preload")" "/proc/$server_pid/maps" ||
        { echo "the server did not load $preload" >&2; exit 1; }
fi
inherited=
[[ -z $preload && -n ${LD_PRELOAD:-} ]] && inherited=", the caller's LD_PRELOAD=$LD_PRELOAD"
echo "server: $binary on core $SERVER_CPU, allocator: $ALLOCATOR${preload:+ ($preload)}$inherited" >&2

# One user logs in; the token is in the `authorization` response header.
user_id=6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f
bearer=$(curl -s -o /dev/null -D - -X POST "$base/login" -H 'content-type: application/json' \
    -d "{\"id\":\"$user_id\",\"name\":\"Ada\",\"email\":\"ada@example.com\"}" |
    tr -d '\r' | sed -n 's/^authorization: //Ip')
[[ $bearer == Bearer\ * ]] || { echo "the login returned no token" >&2; exit 1; }
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "authorization: $bearer" "$base/some-path") == 200 ]] ||
    { echo "the logged-in token is refused" >&2; exit 1; }

# Distinct valid tokens for the same user (distinct jti and iat), and as many with a bad
# signature, one "Bearer <jwt>" per line.
python3 - "$TOKENS" "$user_id" "$work/valid.txt" "$work/invalid.txt" "$work/scoped.txt" <<'PY'
import os, sys, time, uuid
import jwt
count, sub, valid, invalid, scoped = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
secret, now = os.environ["JWT_SECRET"], int(time.time())
with open(scoped, "w") as one:
    claims = {"sub": sub, "exp": now + 3600, "iat": now, "jti": uuid.uuid4().hex,
              "email": "ada@example.com", "scope": "bench:read bench:write"}
    one.write("Bearer " + jwt.encode(claims, secret, algorithm="HS256"))
with open(valid, "w") as good, open(invalid, "w") as bad:
    for i in range(count):
        claims = {"sub": sub, "exp": now + 3600, "iat": now - i % 600,
                  "jti": uuid.uuid4().hex, "email": "ada@example.com"}
        token = jwt.encode(claims, secret, algorithm="HS256")
        head, signature = token.rsplit(".", 1)
        forged = head + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
        good.write(f"Bearer {token}\n")
        bad.write(f"Bearer {forged}\n")
PY
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "authorization: $(head -1 "$work/valid.txt")" "$base/some-path") == 200 ]] ||
    { echo "a minted token is refused" >&2; exit 1; }
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "authorization: $(head -1 "$work/invalid.txt")" "$base/some-path") == 401 ]] ||
    { echo "a forged token is not a 401" >&2; exit 1; }

# The Lua scripts: each prints one line,
# "RESULT <requests/s> <p99 µs> <non-2xx> <socket errors> <requests>".
done_lua='
function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format("RESULT %.1f %d %d %d %d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(99),
        errors.status, errors.connect + errors.read + errors.write + errors.timeout,
        summary.requests))
end'
# The requests are formatted once, in wrk's `init` (after it sets `Host`): per request, the client only picks
# the next one (formatting each in Lua cost wrk's core more than the server's work).
cycle_lua='
local requests, n, i = {}, 0, 0
function init(args)
    for line in io.lines(FILE) do
        n = n + 1
        requests[n] = wrk.format("GET", PATH, {["authorization"] = line})
    end
end
request = function()
    i = i % n + 1
    return requests[i]
end'
printf 'wrk.path = "/bench/no-auth/%s"\nwrk.headers["authorization"] = "%s"\n%s\n' "$user_id" "$bearer" "$done_lua" >"$work/ceiling.lua"
printf 'wrk.path = "/bench/no-auth/%s"\n%s\n' "$user_id" "$done_lua" >"$work/ceiling-bare.lua"
printf 'wrk.path = "/schema/openapi.json"\n%s\n' "$done_lua" >"$work/openapi-json.lua"
printf 'wrk.path = "/schema/no-such-file"\n%s\n' "$done_lua" >"$work/excluded-404.lua"
printf 'wrk.path = "/some-path"\nwrk.headers["authorization"] = "%s"\n%s\n' "$bearer" "$done_lua" >"$work/one-token.lua"
cycled() { # FILE PATH: a script that sends the next token of FILE on each request
    printf 'local FILE, PATH = "%s", "%s"\n%s\n%s\n' "$1" "$2" "$cycle_lua" "$done_lua"
}
cycled "$work/valid.txt" "/bench/no-auth/$user_id" >"$work/ceiling-cycled.lua"
cycled "$work/valid.txt" /some-path >"$work/many-tokens.lua"
cycled "$work/valid.txt" /bench/jsonwebtoken >"$work/baseline-many.lua"
printf 'wrk.path = "/bench/jsonwebtoken"\nwrk.headers["authorization"] = "%s"\n%s\n' "$bearer" "$done_lua" >"$work/baseline-one.lua"
cycled "$work/invalid.txt" /some-path >"$work/bad-signature.lua"
printf 'wrk.path = "/some-path"\n%s\n' "$done_lua" >"$work/missing-token.lua"
scoped=$(cat "$work/scoped.txt")
printf 'wrk.path = "/bench/protected"\nwrk.headers["authorization"] = "%s"\n%s\n' "$scoped" "$done_lua" >"$work/scoped-one.lua"
printf 'wrk.path = "/bench/guarded"\nwrk.headers["authorization"] = "%s"\n%s\n' "$scoped" "$done_lua" >"$work/guarded-one.lua"
for us in 0 1 3 7; do
    printf 'wrk.path = "/bench/spin/%s/%s"\nwrk.headers["authorization"] = "%s"\n%s\n' \
        "$user_id" "${us}000" "$bearer" "$done_lua" >"$work/spin-${us}us.lua"
done

# SCENARIOS picks some (their ceilings are always run, the ratios need them).
read -r -a picked <<<"${SCENARIOS:-ceiling-bare openapi-json excluded-404 one-token many-tokens bad-signature missing-token baseline-one baseline-many}"
# The ceiling of each scenario: the cycled one for those whose requests come from a cycling
# script.
ceiling_of() {
    case $1 in
    ceiling-cycled | many-tokens | bad-signature | baseline-many) echo ceiling-cycled ;;
    *) echo ceiling ;;
    esac
}
# A round: each ceiling, then each of its scenarios followed by the ceiling again.
schedule=()
for kind in ceiling ceiling-cycled; do
    members=()
    for scenario in "${picked[@]}"; do
        # The ceilings run anyway, around the others.
        [[ $scenario == ceiling || $scenario == ceiling-cycled ]] && continue
        [[ $(ceiling_of "$scenario") == "$kind" ]] && members+=("$scenario")
    done
    schedule+=("$kind")
    for scenario in "${members[@]}"; do
        schedule+=("$scenario" "$kind")
    done
done
scenarios=(ceiling ceiling-cycled)
for scenario in "${picked[@]}"; do
    [[ $scenario == ceiling || $scenario == ceiling-cycled ]] || scenarios+=("$scenario")
done
for scenario in ceiling ceiling-bare openapi-json excluded-404; do
    path=$(sed -n 's/^wrk.path = "\(.*\)"/\1/p' "$work/$scenario.lua")
    read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' "$base$path")
    echo "$scenario: GET $path -> $code, body $size bytes" >&2
done
read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' -H "authorization: $bearer" "$base/some-path")
echo "protected: GET /some-path -> $code, body $size bytes" >&2
read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' -H "authorization: $bearer" "$base/bench/jsonwebtoken")
echo "baseline: GET /bench/jsonwebtoken -> $code, body $size bytes" >&2
[[ $code == 200 ]] || { echo "the baseline route refuses the token" >&2; exit 1; }
for scenario in "${picked[@]}"; do
    if [[ $scenario == spin-* ]]; then
        path=$(sed -n 's/^wrk.path = "\(.*\)"/\1/p' "$work/$scenario.lua")
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$base$path") == 200 ]] ||
            { echo "$scenario: GET $path is not a 200" >&2; exit 1; }
    fi
    if [[ $scenario == scoped-one || $scenario == guarded-one ]]; then
        path=$(sed -n 's/^wrk.path = "\(.*\)"/\1/p' "$work/$scenario.lua")
        [[ $(curl -s -o /dev/null -w '%{http_code}' -H "authorization: $scoped" "$base$path") == 200 ]] ||
            { echo "$scenario: GET $path with the scoped token is not a 200" >&2; exit 1; }
    fi
done
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "authorization: $bearer" "$base/bench/guarded") == 403 ]] ||
    { echo "the guarded route admits a token without its scope" >&2; exit 1; }

: >"$work/results.txt"
# The server's CPU time so far, in clock ticks: user + system (fields 14 and 15 of its stat,
# counted after the command name, which is in parentheses).
cpu_ticks() {
    sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{print $12 + $13}'
}
# A warm-up pass over the schedule, one second each, not counted (the first runs of a fresh
# server are slower).
for scenario in "${schedule[@]}"; do
    taskset -c "$CLIENT_CPU" timeout 120 wrk -t1 -c"$CONNECTIONS" -d1s -s "$work/$scenario.lua" "$base" >/dev/null
done
[[ -z ${REDIS_URL:-} ]] || redis_before=$(redis_calls)
for round in $(seq "$ROUNDS"); do
    for scenario in "${schedule[@]}"; do
        before=$(cpu_ticks)
        line=$(taskset -c "$CLIENT_CPU" timeout 120 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" \
            -s "$work/$scenario.lua" "$base" | grep '^RESULT')
        ticks=$(($(cpu_ticks) - before))
        echo "round $round $scenario $line cpu-ticks $ticks" >&2
        echo "$round $scenario $(ceiling_of "$scenario") ${line#RESULT } $ticks" >>"$work/results.txt"
    done
done

python3 - "$work/results.txt" "$(getconf CLK_TCK)" "${scenarios[@]}" <<'PY'
import statistics, sys
hz = int(sys.argv[2])
# In the order they ran: (round, name, requests/s, p99 µs, non-2xx, errors, cpu µs/req).
runs, own = [], {}
for line in open(sys.argv[1]):
    rnd, name, kind, rps, p99, status, socket, requests, ticks = line.split()
    own[name] = kind
    cpu = int(ticks) * 1e6 / hz / max(int(requests), 1)
    runs.append((rnd, name, float(rps), int(p99), int(status), int(socket), cpu))
rows, brackets = {}, {}
for i, run in enumerate(runs):
    rows.setdefault(run[1], []).append(run)
    if run[1] in ("ceiling", "ceiling-cycled"):
        continue
    # The ceiling runs just before and just after, in the same round.
    kind = own[run[1]]
    before = next(r for r in reversed(runs[:i]) if r[1] == kind and r[0] == run[0])
    after = next(r for r in runs[i + 1:] if r[1] == kind and r[0] == run[0])
    brackets.setdefault(run[1], []).append(
        ((before[2] + after[2]) / 2, (before[6] + after[6]) / 2))
def median(values):
    return statistics.median(list(values))
print(f"{'scenario':<15} {'requests/s':>11} {'p99':>9} {'ratio':>6} {'paired':>6} "
      f"{'range':>11} {'cpu µs/req':>10} {'cpu-ratio':>9} {'non-2xx':>9} {'errors':>6}")
for name in sys.argv[3:]:
    mine = rows[name]
    base = rows[own[name]]
    rps = median(r[2] for r in mine)
    p99 = median(r[3] for r in mine) / 1000
    cpu = median(r[6] for r in mine)
    if name in brackets:
        paired = [r[2] / b[0] for r, b in zip(mine, brackets[name])]
        cpu_ratio = median(b[1] / r[6] for r, b in zip(mine, brackets[name]))
    else:
        paired, cpu_ratio = [1.0], 1.0
    print(f"{name:<15} {rps:>11.0f} {p99:>7.2f}ms {rps / median(b[2] for b in base):>6.2f} "
          f"{median(paired):>6.2f} {min(paired):>5.2f}-{max(paired):<5.2f} "
          f"{cpu:>10.2f} {cpu_ratio:>9.2f} "
          f"{sum(r[4] for r in mine):>9} {sum(r[5] for r in mine):>6}")
PY
if [[ -n ${REDIS_URL:-} ]]; then
    commands=$(($(redis_calls) - redis_before))
    requests=$(awk '{n += $8} END {print n + 0}' "$work/results.txt")
    awk -v c="$commands" -v r="$requests" \
        'BEGIN {printf "Redis: %d commands for %d requests (%.6f a request; the heartbeats of the view included)\n", c, r, c / r}'
fi
