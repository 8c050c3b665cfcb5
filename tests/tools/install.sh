#!/usr/bin/env bash
# Installs, where missing, the outside tools the test suite runs, so that `cargo test --workspace`
# works on a fresh machine: the tests call this on first use of a tool, and `.ci/run` calls it
# up front. Each tool is checked first and installed only when absent; concurrent callers (tests
# run in parallel, in several processes) take turns on a lock. Exit status 0 means every tool
# named is there; anything else fails the test that asked (no test skips for a missing tool).
#
#   tests/tools/install.sh chromium playwright openapi-venv
#
# Tools:
#   chromium      Debian's chromium (headless browser checks)
#   node          Node.js and npm (for playwright)
#   playwright    playwright-core in tests/browser/node_modules (pinned by its package-lock.json)
#   openapi-venv  a Python venv with openapi-spec-validator and schemathesis, in
#                 $JWT_AUTH_TOOLS/venv (default target/tools/venv)
#   redis         Debian's redis-server (the Redis token store's tests start their own)
#   postgres      Debian's postgresql server binaries (the app's several-instance tests start
#                 their own with initdb, as the `postgres` user when run as root)
#   oidc          oidc-provider in tests/oidc/node_modules (pinned by its package-lock.json), the
#                 OpenID provider the identity-provider tests start on loopback
#   all           every one of the above
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tools=${JWT_AUTH_TOOLS:-$root/target/tools}
mkdir -p "$tools"

# One installer at a time across processes.
exec 9>"$tools/.install.lock"
flock 9

apt_updated=
apt_install() {
    local sudo=
    if [[ $(id -u) -ne 0 ]]; then
        sudo=sudo
    fi
    if [[ -z $apt_updated ]]; then
        $sudo apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

ensure_chromium() {
    command -v chromium >/dev/null 2>&1 || apt_install chromium
}

ensure_node() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
}

ensure_playwright() {
    ensure_node
    if [[ ! -d $root/tests/browser/node_modules/playwright-core ]]; then
        (cd "$root/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}

ensure_redis() {
    command -v redis-server >/dev/null 2>&1 || apt_install redis-server
}

ensure_openapi_venv() {
    local venv=$tools/venv
    if [[ -x $venv/bin/schemathesis && -x $venv/bin/openapi-spec-validator ]]; then
        return
    fi
    if ! python3 -m venv "$venv" 2>/dev/null; then
        rm -rf "$venv"
        apt_install python3-venv
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        'openapi-spec-validator>=0.9,<0.10' 'schemathesis>=4.32,<5'
}

# The server binaries live in /usr/lib/postgresql/<version>/bin, off the PATH; Debian's package
# also creates the `postgres` user, which a test running as root starts the server as.
ensure_postgres() {
    if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        apt_install postgresql
    fi
}

ensure_oidc() {
    ensure_node
    if [[ ! -d $root/tests/oidc/node_modules/oidc-provider ]]; then
        (cd "$root/tests/oidc" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}

[[ $# -gt 0 ]] || set -- all
for tool in "$@"; do
    case $tool in
        chromium) ensure_chromium ;;
        node) ensure_node ;;
        playwright) ensure_playwright ;;
        openapi-venv) ensure_openapi_venv ;;
        redis) ensure_redis ;;
        postgres) ensure_postgres ;;
        oidc) ensure_oidc ;;
        all)
            ensure_chromium
            ensure_playwright
            ensure_openapi_venv
            ensure_redis
            ensure_postgres
            ensure_oidc
            ;;
        *)
            echo "tests/tools/install.sh: unknown tool \`$tool\`" >&2
            exit 2
            ;;
    esac
done
