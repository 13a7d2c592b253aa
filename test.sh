#!/usr/bin/env bash
# Runs every ApiLed test. Works on a fresh Debian machine that has only the .NET 10 SDK: it installs
# (as root, with apt-get) what the tests need and is missing — RabbitMQ, PostgreSQL, a Java runtime for
# the WireMock standalone server, Chromium for the browser tests — and the WireMock jar from npm.
# The integration suite runs on SQLite stores; then the suites in APILED_POSTGRES_SUITES run again with
# every store on PostgreSQL (a throwaway local server on 127.0.0.1:5433 unless POSTGRES_URL is set).
#
#   ./test.sh                         build, then run all tests
#   ./test.sh --filter HarnessTests   extra arguments go to `dotnet test`
#
# Settings (environment variables):
#   RABBITMQ_URL            use this broker when reachable (default: a local node, started if needed)
#   APILED_TEST_RESULTS     folder for the .trx files (default: ./TestResults)
#   APILED_HANG_TIMEOUT     blame hang timeout for one test host (default 20m; empty to disable)
#   POSTGRES_URL            use this PostgreSQL server (an Npgsql connection string of a role that may
#                           create databases; default: a local server, started if needed)
#   APILED_POSTGRES_SUITES  the integration tests run again on PostgreSQL (a dotnet test filter; empty to
#                           skip that pass; skipped too when extra arguments are given)
#   APILED_CLUSTER_SUITES   the tests run on a local three-node RabbitMQ cluster (default: BrokerClusterTests;
#                           empty to skip; skipped too when extra arguments are given)
# Exports for the tests: APILED_RABBITMQ_URL, APILED_WIREMOCK_JAR, APILED_POSTGRES_URL.
# Ends with one line `tests: N passed, N failed, N skipped`; exits non-zero when the build or a test failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

say() { printf '%s\n' "$*"; }
note() { printf 'test.sh: %s\n' "$*" >&2; }

RESULTS="${APILED_TEST_RESULTS:-$ROOT/TestResults}"
case "$RESULTS" in /*) ;; *) RESULTS="$ROOT/$RESULTS" ;; esac
HANG_TIMEOUT="${APILED_HANG_TIMEOUT-20m}"
TOOLS="$ROOT/tests/tools"

summary() { say "tests: ${1:-0} passed, ${2:-0} failed, ${3:-0} skipped"; }

# ---------------------------------------------------------------- prerequisites
if ! command -v dotnet >/dev/null 2>&1; then
  note "the .NET SDK (dotnet) is not on PATH: install the .NET 10 SDK and run ./test.sh again."
  summary 0 0 0
  exit 1
fi

APT_UPDATED=0
# apt_install PKG...: install Debian packages when running as root with apt-get; false otherwise.
apt_install() {
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" = "0" ]; then
    apt-get update -qq || return 1
    APT_UPDATED=1
  fi
  say "installing with apt-get: $*"
  apt-get install -y -qq "$@" >/dev/null
}

# shellcheck source=platform/scripts/rabbitmq.sh
source "$ROOT/platform/scripts/rabbitmq.sh"

# shellcheck source=platform/scripts/postgres.sh
source "$ROOT/platform/scripts/postgres.sh"

on_exit() { apiled_rabbitmq_stop_if_started; apiled_postgres_stop_if_started; }
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! apiled_rabbitmq_ensure; then
  note "RabbitMQ is not available (see above)"
  summary 0 0 0
  exit 1
fi
export APILED_RABBITMQ_URL

if ! apiled_postgres_ensure; then
  note "PostgreSQL is not available (see above)"
  summary 0 0 0
  exit 1
fi
export APILED_POSTGRES_URL

# Java, for the WireMock standalone server.
if ! command -v java >/dev/null 2>&1; then
  apt_install default-jre-headless || true
  if ! command -v java >/dev/null 2>&1; then
    note "Java is needed for the WireMock server: install a Java 17+ runtime (Debian: apt-get install default-jre-headless)"
    summary 0 0 0
    exit 1
  fi
fi

# npm, for the WireMock jar.
if ! command -v npm >/dev/null 2>&1; then
  apt_install npm || true
  if ! command -v npm >/dev/null 2>&1; then
    note "npm is needed to install the WireMock jar: install Node.js with npm (Debian: apt-get install npm)"
    summary 0 0 0
    exit 1
  fi
fi

# WireMock standalone jar from the npm package pinned in tests/tools (skipped when already installed
# from the same lock file).
lock_sum="$(sha256sum "$TOOLS/package-lock.json" | cut -d' ' -f1)"
stamp="$TOOLS/node_modules/.apiled-lock.sha256"
jar="$(ls "$TOOLS"/node_modules/wiremock/build/*.jar 2>/dev/null | head -n 1 || true)"
if [ -n "$jar" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  say "WireMock jar is current: $jar"
else
  say "installing the test tools (npm ci in tests/tools)..."
  if ! npm ci --prefix "$TOOLS" --no-audit --no-fund; then
    note "npm ci in tests/tools failed"
    summary 0 0 0
    exit 1
  fi
  printf '%s\n' "$lock_sum" >"$stamp"
  jar="$(ls "$TOOLS"/node_modules/wiremock/build/*.jar 2>/dev/null | head -n 1 || true)"
  [ -n "$jar" ] || { note "no WireMock jar under $TOOLS/node_modules/wiremock"; summary 0 0 0; exit 1; }
fi
export APILED_WIREMOCK_JAR="$jar"

# Chromium, for the Playwright browser tests.
if [ ! -x /usr/bin/chromium ]; then
  if ! apt_install chromium; then
    note "warning: /usr/bin/chromium is missing and could not be installed (Debian: apt-get install chromium); browser tests will fail"
  fi
fi

# ---------------------------------------------------------------- build
say "building ApiLed.sln (Release)..."
if ! dotnet build ApiLed.sln -c Release -nologo -v quiet; then
  note "the build failed (errors above)"
  apiled_rabbitmq_stop_if_started
  apiled_postgres_stop_if_started
  summary 0 0 0
  exit 1
fi

# ---------------------------------------------------------------- test
mkdir -p "$RESULTS"
find "$RESULTS" -name '*.trx' -type f -delete 2>/dev/null || true
hang_args=()
if [ -n "$HANG_TIMEOUT" ]; then
  hang_args=(--blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none)
fi

say "running the tests..."
main_args=("$@")
# The broker-cluster tests need a cluster, and the tests of several instances of a service a PostgreSQL store (a SQLite
# file has one instance): they run in their passes below.
INSTANCE_SUITES=(MultipleInstanceTests SystemApiInstancesTests ParticipantInstancesTests ConsoleInstancesTests)
[ "$#" -eq 0 ] && main_args=(--filter "FullyQualifiedName!~BrokerClusterTests$(printf '&FullyQualifiedName!~%s' "${INSTANCE_SUITES[@]}")")
dotnet test ApiLed.sln -c Release --no-build -nologo \
  --logger "console;verbosity=normal" --logger "trx" --results-directory "$RESULTS" \
  "${hang_args[@]}" "${main_args[@]}"
test_rc=$?

# The same integration tests with every service's store on PostgreSQL: the suites that cover every store's
# statements (orders, outbox, inbox, webhooks, sagas and their search, timers, approvals, callbacks, cancels,
# the system APIs' stock, charges and shipments, idempotent answers) in every mode.
POSTGRES_SUITES="${APILED_POSTGRES_SUITES-FullyQualifiedName~OrchestrationModeTests|FullyQualifiedName~ChoreographyModeTests|FullyQualifiedName~OrderFulfillmentTests|FullyQualifiedName~SystemApiTests|FullyQualifiedName~OperatorActionsTests|FullyQualifiedName~WebhookTests|FullyQualifiedName~CancelFlowOrchestrationTests|FullyQualifiedName~ApprovalFlowHybridTests|FullyQualifiedName~CallbackFlowChoreographyTests|FullyQualifiedName~TimerFlowOrchestrationTests|FullyQualifiedName~ProcessCrashTests|FullyQualifiedName~PartnerAccessTests|FullyQualifiedName~StalledChoreographyTests$(printf '|FullyQualifiedName~%s' "${INSTANCE_SUITES[@]}")}"
if [ -n "$POSTGRES_SUITES" ] && [ "$#" -eq 0 ]; then
  say "running the integration tests again with the stores on PostgreSQL..."
  APILED_TEST_STORE=postgres dotnet test tests/ApiLed.IntegrationTests -c Release --no-build -nologo \
    --logger "console;verbosity=normal" --logger "trx" --results-directory "$RESULTS/postgres" \
    "${hang_args[@]}" --filter "$POSTGRES_SUITES"
  pg_rc=$?
  [ "$pg_rc" -ne 0 ] && test_rc=$pg_rc
fi

# The layer on a local three-node RabbitMQ cluster (nodes apiled1-3@localhost on 127.0.0.1:5681-5683), stopped after.
CLUSTER_SUITES="${APILED_CLUSTER_SUITES-FullyQualifiedName~BrokerClusterTests}"
if [ -n "$CLUSTER_SUITES" ] && [ "$#" -eq 0 ]; then
  say "running the broker-cluster tests on a local three-node RabbitMQ cluster..."
  (
    trap 'apiled_rabbitmq_cluster_stop_if_started' EXIT
    apiled_rabbitmq_cluster_ensure 3 || exit 1
    dotnet test tests/ApiLed.IntegrationTests -c Release --no-build -nologo \
      --logger "console;verbosity=normal" --logger "trx" --results-directory "$RESULTS/cluster" \
      "${hang_args[@]}" --filter "$CLUSTER_SUITES"
  )
  cluster_rc=$?
  [ "$cluster_rc" -ne 0 ] && test_rc=$cluster_rc
fi

# Sum the outcomes of every test result in the .trx files.
counts="$(python3 - "$RESULTS" <<'PY' 2>/dev/null
import glob, os, sys
import xml.etree.ElementTree as ET
passed = failed = skipped = 0
failures = []
for path in glob.glob(os.path.join(sys.argv[1], "**", "*.trx"), recursive=True):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        failed += 1
        failures.append(f"{path}: unreadable results file")
        continue
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] != "UnitTestResult":
            continue
        outcome = el.get("outcome", "")
        if outcome == "Passed":
            passed += 1
        elif outcome in ("NotExecuted", "Inconclusive", "Pending", "Disconnected", "NotRunnable", "Warning"):
            skipped += 1
        else:
            failed += 1
            message = ""
            for child in el.iter():
                if child.tag.rsplit("}", 1)[-1] == "Message" and child.text:
                    message = " ".join(child.text.split())[:300]
                    break
            where = "postgres" if os.sep + "postgres" + os.sep in path else ("cluster" if os.sep + "cluster" + os.sep in path else "sqlite")
            failures.append(f"{el.get('testName', '?')} [{where}]: {message}")
# The failed tests, last, so that the tail of a CI log names them.
with open(os.path.join(sys.argv[1], "failed-tests.txt"), "w") as out:
    out.write("\n".join(failures) + ("\n" if failures else ""))
print(passed, failed, skipped)
PY
)"
if [ -z "$counts" ]; then
  # Without python3: count the outcome attributes of the UnitTestResult elements.
  p=0; f=0; s=0
  for trx in $(find "$RESULTS" -name '*.trx' 2>/dev/null); do
    p=$((p + $(grep -o '<UnitTestResult [^>]*outcome="Passed"' "$trx" | wc -l)))
    f=$((f + $(grep -oE '<UnitTestResult [^>]*outcome="(Failed|Error|Timeout|Aborted)"' "$trx" | wc -l)))
    s=$((s + $(grep -o '<UnitTestResult [^>]*outcome="NotExecuted"' "$trx" | wc -l)))
  done
  counts="$p $f $s"
fi
read -r n_passed n_failed n_skipped <<<"$counts"

apiled_rabbitmq_stop_if_started
apiled_postgres_stop_if_started
say "test results (.trx): $RESULTS"
if [ -s "$RESULTS/failed-tests.txt" ]; then
  say "failed tests:"
  sed 's/^/  /' "$RESULTS/failed-tests.txt"
fi
summary "$n_passed" "$n_failed" "$n_skipped"

if [ "$test_rc" -ne 0 ] || [ "$n_failed" -gt 0 ]; then
  exit 1
fi
exit 0
