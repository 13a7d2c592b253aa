#!/usr/bin/env bash
# Starts the whole ApiLed layer on this machine: RabbitMQ, the three system APIs, the process API,
# the experience API and the gateway, each from its Release build, bound to 127.0.0.1.
# Ctrl-C stops exactly the processes this script started (by PID). A RabbitMQ node it started is
# left running (stop it with `rabbitmqctl stop`).
#
# Settings (environment variables):
#   GATEWAY_PORT (8080) EXPERIENCE_API_PORT (5101) PROCESS_API_PORT (5102)
#   INVENTORY_API_PORT (5201) BILLING_API_PORT (5202) SHIPPING_API_PORT (5203) RISK_API_PORT (5204)
#   APILED_DATA_DIR (./.data)   SQLite stores, and logs/<service>.log
#   APILED_STORE (sqlite)       sqlite: a SQLite file per service under APILED_DATA_DIR; postgres: a PostgreSQL database
#                               per service (apiled_inventory, apiled_billing, ...) on a local server started on
#                               127.0.0.1:5433 (installed with apt-get when missing), or on POSTGRES_URL when set
#   POSTGRES_URL                with APILED_STORE=postgres: use this server (an Npgsql connection string of a role that
#                               may create databases), e.g. "Host=db;Port=5432;Username=apiled;Password=secret"
#   APILED_INSTANCES (1)        instances of every service but the gateway (1-4); the extra ones listen on the first
#                               one's port + 10, + 20, ... and share its store and queues; the gateway balances across
#                               the experience and process APIs, and each caller of a system API or of the process API
#                               spreads its calls over their instances. APILED_PROCESS_INSTANCES,
#                               APILED_EXPERIENCE_INSTANCES and APILED_SYSTEM_INSTANCES (each of the four system APIs)
#                               set one kind's count. Needs APILED_STORE=postgres (a SQLite file has one instance).
#   RABBITMQ_URL                use this broker when it is reachable, instead of a local one
#   APILED_RABBITMQ_CLUSTER=3   start (or reuse) a local three-node RabbitMQ cluster instead of the single node: nodes
#                               apiled1-3@localhost on 127.0.0.1:5681-5683 (data /tmp/apiled-rabbitmq-cluster); every
#                               service is given all three (RabbitMq:Endpoints) and fails over when one stops
#   APILED_NO_BUILD=1           skip `dotnet build`
#   APILED_READY_TIMEOUT (90)   seconds to wait for each service's /health/ready
#   APILED_FLOWS_FILE           the process API's flows file (default: process-api/ApiLed.ProcessApi/flows.json, watched)
#   APILED_LOCAL_WEBHOOKS (true) let webhooks reach receivers on this machine or its private network
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

GATEWAY_PORT="${GATEWAY_PORT:-8080}"
EXPERIENCE_API_PORT="${EXPERIENCE_API_PORT:-5101}"
PROCESS_API_PORT="${PROCESS_API_PORT:-5102}"
INVENTORY_API_PORT="${INVENTORY_API_PORT:-5201}"
BILLING_API_PORT="${BILLING_API_PORT:-5202}"
SHIPPING_API_PORT="${SHIPPING_API_PORT:-5203}"
RISK_API_PORT="${RISK_API_PORT:-5204}"
READY_TIMEOUT="${APILED_READY_TIMEOUT:-90}"

say() { printf '%s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- prerequisites
if ! command -v dotnet >/dev/null 2>&1; then
  die "the .NET SDK (dotnet) is not on PATH. Install the .NET 10 SDK (https://dot.net) and run ./run.sh again."
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  die "the .NET 10 SDK is needed; 'dotnet --list-sdks' shows: $(dotnet --list-sdks 2>/dev/null | tr '\n' ' ')"
fi

# name port: true when something already listens on 127.0.0.1:port
port_taken() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null; }

declare -A SEEN_PORT=()
for pair in "gateway:GATEWAY_PORT" "experience-api:EXPERIENCE_API_PORT" "process-api:PROCESS_API_PORT" \
            "inventory-api:INVENTORY_API_PORT" "billing-api:BILLING_API_PORT" "shipping-api:SHIPPING_API_PORT" "risk-api:RISK_API_PORT"; do
  svc="${pair%%:*}"; var="${pair#*:}"; port="${!var}"
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "$var=$port is not a valid port"
  if [ -n "${SEEN_PORT[$port]:-}" ]; then
    die "$svc and ${SEEN_PORT[$port]} are both set to port $port"
  fi
  SEEN_PORT[$port]="$svc"
  if port_taken "$port"; then
    die "port $port (for $svc, set with $var) is already in use on 127.0.0.1; stop what uses it or choose another port, e.g. $var=$((port + 1000)) ./run.sh"
  fi
done

PROCESS_INSTANCES="${APILED_PROCESS_INSTANCES:-${APILED_INSTANCES:-1}}"
EXPERIENCE_INSTANCES="${APILED_EXPERIENCE_INSTANCES:-${APILED_INSTANCES:-1}}"
SYSTEM_INSTANCES="${APILED_SYSTEM_INSTANCES:-${APILED_INSTANCES:-1}}"
for pair in "APILED_PROCESS_INSTANCES:$PROCESS_INSTANCES" "APILED_EXPERIENCE_INSTANCES:$EXPERIENCE_INSTANCES" \
            "APILED_SYSTEM_INSTANCES:$SYSTEM_INSTANCES"; do
  [[ "${pair#*:}" =~ ^[1-4]$ ]] || die "${pair%%:*} (or APILED_INSTANCES) is ${pair#*:}: use 1 to 4 instances"
done
# extra_port BASE K: the port of instance K (2, 3, 4) of a service whose first instance listens on BASE.
extra_port() { printf '%s' $(($1 + 10 * ($2 - 1))); }
# claim_extra_ports NAME BASE_VAR COUNT: checks the ports of instances 2..COUNT of a service (BASE_VAR names its first port).
claim_extra_ports() {
  local name="$1" base_var="$2" count="$3" k port
  for k in $(seq 2 "$count"); do
    port="$(extra_port "${!base_var}" "$k")"
    [ -z "${SEEN_PORT[$port]:-}" ] || die "$name instance $k would listen on $port, which ${SEEN_PORT[$port]} uses"
    port_taken "$port" && die "port $port ($name instance $k: $base_var + $((10 * (k - 1)))) is already in use on 127.0.0.1"
    SEEN_PORT[$port]="$name-$k"
  done
}
if [ "${APILED_STORE:-sqlite}" != "postgres" ] && [ "$PROCESS_INSTANCES$EXPERIENCE_INSTANCES$SYSTEM_INSTANCES" != "111" ]; then
  die "more than one instance of a service needs APILED_STORE=postgres (the instances share a PostgreSQL store; a SQLite file has one instance): run APILED_STORE=postgres with the same APILED_*INSTANCES settings, or leave them at 1"
fi
claim_extra_ports process-api PROCESS_API_PORT "$PROCESS_INSTANCES"
claim_extra_ports experience-api EXPERIENCE_API_PORT "$EXPERIENCE_INSTANCES"
for pair in "inventory-api:INVENTORY_API_PORT" "billing-api:BILLING_API_PORT" "shipping-api:SHIPPING_API_PORT" "risk-api:RISK_API_PORT"; do
  claim_extra_ports "${pair%%:*}" "${pair#*:}" "$SYSTEM_INSTANCES"
done
# replica_args PREFIX BASE_PORT COUNT: sets REPLICA_ARGS to PREFIX__0=url of instance 2, PREFIX__1=... (the other instances).
replica_args() {
  local prefix="$1" base="$2" count="$3" k
  REPLICA_ARGS=()
  for k in $(seq 2 "$count"); do
    REPLICA_ARGS+=("${prefix}__$((k - 2))=http://127.0.0.1:$(extra_port "$base" "$k")")
  done
}

APILED_DATA_DIR="${APILED_DATA_DIR:-./.data}"
mkdir -p "$APILED_DATA_DIR"
APILED_DATA_DIR="$(cd "$APILED_DATA_DIR" && pwd)"
LOG_DIR="$APILED_DATA_DIR/logs"
mkdir -p "$LOG_DIR"

# shellcheck source=platform/scripts/rabbitmq.sh
source "$ROOT/platform/scripts/rabbitmq.sh"
case "${APILED_RABBITMQ_CLUSTER:-1}" in
  1) apiled_rabbitmq_ensure || die "RabbitMQ is not available (see the messages above)" ;;
  3) apiled_rabbitmq_cluster_ensure 3 || die "the local RabbitMQ cluster did not start (see the messages above)" ;;
  *) die "APILED_RABBITMQ_CLUSTER=${APILED_RABBITMQ_CLUSTER} is not supported: use 3 (a local three-node cluster) or leave it unset" ;;
esac
RABBIT_URL="$APILED_RABBITMQ_URL"
# Every service's broker settings: the URL, and on a cluster the other nodes.
RABBIT_ARGS=("RabbitMq__Url=$RABBIT_URL")
if [ -n "${APILED_RABBITMQ_ENDPOINTS:-}" ]; then
  i=0
  for endpoint in ${APILED_RABBITMQ_ENDPOINTS//,/ }; do
    RABBIT_ARGS+=("RabbitMq__Endpoints__$i=$endpoint")
    i=$((i + 1))
  done
fi

STORE="${APILED_STORE:-sqlite}"
case "$STORE" in
  sqlite) ;;
  postgres)
    # shellcheck source=platform/scripts/postgres.sh
    source "$ROOT/platform/scripts/postgres.sh"
    apiled_postgres_ensure || die "PostgreSQL is not available (see the messages above)"
    for db in inventory billing shipping risk process experience; do
      apiled_postgres_create_db "apiled_$db" || die "could not create database apiled_$db"
    done
    ;;
  *) die "APILED_STORE=$STORE is not a store engine: use sqlite (the default) or postgres" ;;
esac

# store_env NAME: sets STORE_ARGS to the Store__ settings of the service whose store is NAME.
store_env() {
  if [ "$STORE" = "postgres" ]; then
    STORE_ARGS=(Store__Engine=Postgres "Store__ConnectionString=$APILED_POSTGRES_URL;Database=apiled_$1")
  else
    STORE_ARGS=("Store__Path=$APILED_DATA_DIR/$1/$1.db")
  fi
}

# ---------------------------------------------------------------- build
if [ "${APILED_NO_BUILD:-0}" != "1" ]; then
  say "building ApiLed.sln (Release)..."
  if ! dotnet build ApiLed.sln -c Release -nologo -v quiet; then
    die "the build failed (errors above)"
  fi
fi

dll_of() { # folder name
  local dll="$ROOT/$1/bin/Release/net10.0/$2.dll"
  [ -f "$dll" ] || die "$dll was not found: did the build succeed?"
  printf '%s' "$dll"
}

# ---------------------------------------------------------------- process management
declare -a PIDS=()
declare -A PID_NAME=()
CLEANED=0

cleanup() {
  local rc=$?
  [ "$CLEANED" = "1" ] && return
  CLEANED=1
  trap - INT TERM EXIT
  if [ "${#PIDS[@]}" -gt 0 ]; then
    say ""
    say "stopping the services this script started..."
    local pid
    for pid in "${PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
    done
    local deadline=$((SECONDS + 15))
    for pid in "${PIDS[@]}"; do
      while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then
        say "  ${PID_NAME[$pid]} (pid $pid) did not stop in time: killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      wait "$pid" 2>/dev/null || true
    done
    say "stopped."
  fi
  if [ "${APILED_RABBITMQ_STARTED_BY_US:-0}" = "1" ]; then
    say "RabbitMQ was started by this script and is left running; stop it with: rabbitmqctl stop"
  fi
  if [ -n "${APILED_RABBITMQ_CLUSTER_STARTED:-}" ]; then
    say "The RabbitMQ cluster was started by this script and is left running; stop it with:"
    say "  for n in 1 2 3; do rabbitmqctl -n apiled\$n@localhost stop; done"
  fi
  if [ "${APILED_POSTGRES_STARTED_BY_US:-0}" = "1" ]; then
    say "PostgreSQL was started by this script and is left running; stop it with:"
    say "  runuser -u postgres -- $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/pg_ctl -D $APILED_POSTGRES_DATA stop"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_service NAME DLL PORT [VAR=VALUE...]
start_service() {
  local name="$1" dll="$2" port="$3"; shift 3
  local log="$LOG_DIR/$name.log"
  : >"$log"
  # Run from the DLL's folder so that the service finds its appsettings.json (content root = working directory).
  # The subshell execs env, which execs dotnet: $! is the service's own PID.
  (cd "$(dirname "$dll")" && exec env ASPNETCORE_URLS="http://127.0.0.1:$port" DOTNET_NOLOGO=1 "$@" dotnet "$dll") \
    >>"$log" 2>&1 </dev/null &
  local pid=$!
  PIDS+=("$pid")
  PID_NAME[$pid]="$name"
  eval "PID_OF_${name//-/_}=$pid"
  say "  started $name (pid $pid) on http://127.0.0.1:$port  log: $log"
}

# http_status URL-PATH PORT: prints the HTTP status code of GET http://127.0.0.1:PORT/PATH, or 000
http_status() {
  local path="$1" port="$2"
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 3 -w '%{http_code}' "http://127.0.0.1:$port$path" 2>/dev/null || printf '000'
  else
    timeout 3 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$0" "$1" >&3
      read -r _ code _ <&3 && printf "%s" "$code"' "$path" "$port" 2>/dev/null || printf '000'
  fi
}

# wait_ready NAME PORT
wait_ready() {
  local name="$1" port="$2" log="$LOG_DIR/$1.log" var="PID_OF_${1//-/_}"
  local pid="${!var}"
  local deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "run.sh: $name exited before it was ready. Last lines of $log:" >&2
      tail -n 30 "$log" >&2 || true
      exit 1
    fi
    [ "$(http_status /health/ready "$port")" = "200" ] && { say "  $name is ready"; return 0; }
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "run.sh: $name did not answer 200 on http://127.0.0.1:$port/health/ready within ${READY_TIMEOUT}s; see its log: $log" >&2
      tail -n 30 "$log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
}

url() { printf 'http://127.0.0.1:%s' "$1"; }

# ---------------------------------------------------------------- start
INVENTORY_DLL="$(dll_of system-apis/inventory/ApiLed.Inventory.Api ApiLed.Inventory.Api)"
BILLING_DLL="$(dll_of system-apis/billing/ApiLed.Billing.Api ApiLed.Billing.Api)"
SHIPPING_DLL="$(dll_of system-apis/shipping/ApiLed.Shipping.Api ApiLed.Shipping.Api)"
RISK_DLL="$(dll_of system-apis/risk/ApiLed.Risk.Api ApiLed.Risk.Api)"
PROCESS_DLL="$(dll_of process-api/ApiLed.ProcessApi ApiLed.ProcessApi)"
EXPERIENCE_DLL="$(dll_of experience-api/ApiLed.ExperienceApi ApiLed.ExperienceApi)"
GATEWAY_DLL="$(dll_of gateway/ApiLed.Gateway ApiLed.Gateway)"

say "starting the system APIs..."
# start_system_api NAME STORE DLL PORT: one instance of a system API (with its choreography participant).
start_system_api() {
  store_env "$2"
  start_service "$1" "$3" "$4" "${STORE_ARGS[@]}" "${RABBIT_ARGS[@]}"
}
SYSTEMS=("inventory:$INVENTORY_DLL:$INVENTORY_API_PORT" "billing:$BILLING_DLL:$BILLING_API_PORT"
         "shipping:$SHIPPING_DLL:$SHIPPING_API_PORT" "risk:$RISK_DLL:$RISK_API_PORT")
for system in "${SYSTEMS[@]}"; do
  IFS=: read -r name dll port <<<"$system"
  start_system_api "$name-api" "$name" "$dll" "$port"
done
for system in "${SYSTEMS[@]}"; do
  IFS=: read -r name dll port <<<"$system"
  wait_ready "$name-api" "$port"
done
# More instances start once the first ones have created the stores' tables.
for system in "${SYSTEMS[@]}"; do
  IFS=: read -r name dll port <<<"$system"
  for k in $(seq 2 "$SYSTEM_INSTANCES"); do start_system_api "$name-api-$k" "$name" "$dll" "$(extra_port "$port" "$k")"; done
done
for system in "${SYSTEMS[@]}"; do
  IFS=: read -r name dll port <<<"$system"
  for k in $(seq 2 "$SYSTEM_INSTANCES"); do wait_ready "$name-api-$k" "$(extra_port "$port" "$k")"; done
done

say "starting the process API and the experience API..."
# start_process_api NAME PORT / start_experience_api NAME PORT: one instance (every instance shares the same store).
start_process_api() {
  store_env process
  local -a replicas=()
  local system name dll port
  for system in "${SYSTEMS[@]}"; do
    IFS=: read -r name dll port <<<"$system"
    replica_args "Flows__Systems__${name}__Replicas" "$port" "$SYSTEM_INSTANCES"
    replicas+=("${REPLICA_ARGS[@]}")
  done
  start_service "$1" "$PROCESS_DLL" "$2" \
    "${STORE_ARGS[@]}" \
    "${RABBIT_ARGS[@]}" \
    "${replicas[@]}" \
    FlowsFile="${APILED_FLOWS_FILE:-$ROOT/process-api/ApiLed.ProcessApi/flows.json}" \
    Flows__Systems__inventory__BaseUrl="$(url "$INVENTORY_API_PORT")" \
    Flows__Systems__billing__BaseUrl="$(url "$BILLING_API_PORT")" \
    Flows__Systems__shipping__BaseUrl="$(url "$SHIPPING_API_PORT")" \
    Flows__Systems__risk__BaseUrl="$(url "$RISK_API_PORT")"
}
start_experience_api() {
  store_env experience
  local -a replicas=()
  replica_args Catalog__InventoryReplicas "$INVENTORY_API_PORT" "$SYSTEM_INSTANCES"
  replicas+=("${REPLICA_ARGS[@]}")
  replica_args ProcessApi__Replicas "$PROCESS_API_PORT" "$PROCESS_INSTANCES"
  replicas+=("${REPLICA_ARGS[@]}")
  start_service "$1" "$EXPERIENCE_DLL" "$2" \
    "${STORE_ARGS[@]}" \
    "${RABBIT_ARGS[@]}" \
    "${replicas[@]}" \
    Catalog__InventoryUrl="$(url "$INVENTORY_API_PORT")" \
    ProcessApi__BaseUrl="$(url "$PROCESS_API_PORT")" \
    Webhooks__AllowPrivateNetworkCallbacks="${APILED_LOCAL_WEBHOOKS:-true}"
}
start_process_api process-api "$PROCESS_API_PORT"
start_experience_api experience-api "$EXPERIENCE_API_PORT"
wait_ready process-api "$PROCESS_API_PORT"
wait_ready experience-api "$EXPERIENCE_API_PORT"
# More instances start once the first ones have created the stores' tables.
GATEWAY_REPLICAS=()
for k in $(seq 2 "$PROCESS_INSTANCES"); do
  start_process_api "process-api-$k" "$(extra_port "$PROCESS_API_PORT" "$k")"
  GATEWAY_REPLICAS+=("Gateway__ProcessApiReplicas__$((k - 2))=$(url "$(extra_port "$PROCESS_API_PORT" "$k")")")
done
for k in $(seq 2 "$EXPERIENCE_INSTANCES"); do
  start_experience_api "experience-api-$k" "$(extra_port "$EXPERIENCE_API_PORT" "$k")"
  GATEWAY_REPLICAS+=("Gateway__ExperienceApiReplicas__$((k - 2))=$(url "$(extra_port "$EXPERIENCE_API_PORT" "$k")")")
done
for k in $(seq 2 "$PROCESS_INSTANCES"); do wait_ready "process-api-$k" "$(extra_port "$PROCESS_API_PORT" "$k")"; done
for k in $(seq 2 "$EXPERIENCE_INSTANCES"); do wait_ready "experience-api-$k" "$(extra_port "$EXPERIENCE_API_PORT" "$k")"; done

say "starting the gateway..."
start_service gateway "$GATEWAY_DLL" "$GATEWAY_PORT" \
  Gateway__ExperienceApiUrl="$(url "$EXPERIENCE_API_PORT")" \
  Gateway__ProcessApiUrl="$(url "$PROCESS_API_PORT")" \
  "${GATEWAY_REPLICAS[@]}"
wait_ready gateway "$GATEWAY_PORT"

# Hide a password in the broker URL when printing it.
shown_rabbit="$(printf '%s' "$RABBIT_URL" | sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#')"
[ "$RABBIT_URL" = "amqp://guest:guest@127.0.0.1:5672/" ] && shown_rabbit="$RABBIT_URL"

say ""
say "ApiLed is running (Ctrl-C stops it)."
say ""
printf '  %-24s %-32s %s\n' "what" "url" "swagger"
printf '  %-24s %-32s %s\n' "----" "---" "-------"
printf '  %-24s %-32s %s\n' "gateway (partners)" "$(url "$GATEWAY_PORT")" "$(url "$GATEWAY_PORT")/swagger"
printf '  %-24s %-32s %s\n' "experience API" "$(url "$EXPERIENCE_API_PORT")" "$(url "$EXPERIENCE_API_PORT")/swagger"
for k in $(seq 2 "$EXPERIENCE_INSTANCES"); do
  printf '  %-24s %-32s %s\n' "experience API #$k" "$(url "$(extra_port "$EXPERIENCE_API_PORT" "$k")")" "(same store; the gateway balances)"
done
printf '  %-24s %-32s %s\n' "process API" "$(url "$PROCESS_API_PORT")" "$(url "$PROCESS_API_PORT")/swagger"
for k in $(seq 2 "$PROCESS_INSTANCES"); do
  printf '  %-24s %-32s %s\n' "process API #$k" "$(url "$(extra_port "$PROCESS_API_PORT" "$k")")" "(same store, same queues)"
done
for system in "${SYSTEMS[@]}"; do
  IFS=: read -r name dll port <<<"$system"
  printf '  %-24s %-32s %s\n' "$name system API" "$(url "$port")" "$(url "$port")/swagger"
  for k in $(seq 2 "$SYSTEM_INSTANCES"); do
    printf '  %-24s %-32s %s\n' "$name system API #$k" "$(url "$(extra_port "$port" "$k")")" "(same store, same queue; callers spread over both)"
  done
done
printf '  %-24s %s\n' "operator console" "$(url "$GATEWAY_PORT")/console   (paste the operator key below)"
printf '  %-24s %s\n' "RabbitMQ" "$shown_rabbit${APILED_RABBITMQ_NODES:+ (cluster $APILED_RABBITMQ_NODES; also ${APILED_RABBITMQ_ENDPOINTS})}"
if [ "$STORE" = "postgres" ]; then
  printf '  %-24s %s\n' "stores (PostgreSQL)" "$(printf '%s' "$APILED_POSTGRES_URL" | sed -E 's#(Password=)[^;]*#\1***#I'): apiled_inventory, apiled_billing, apiled_shipping, apiled_risk, apiled_process, apiled_experience"
fi
printf '  %-24s %s\n' "data and logs" "$APILED_DATA_DIR"
say ""
say "  Demo API keys (send as X-Api-Key; all of them in the README, section Partners):"
say "    partner demo-shop   ak_demo_shop_c023b9ee458fc0ad37cfbcc2"
say "    operator demo-ops   ak_demo_ops_9e7985386ff6ae50494f5aa5   (the console; /api/v1/sagas, flows, approvals, dead-letters, bulk-actions, stats)"
say ""

# ---------------------------------------------------------------- wait
# Report any service that exits on its own; keep the others running until Ctrl-C or until all are gone.
declare -A ALIVE=()
for pid in "${PIDS[@]}"; do ALIVE[$pid]=1; done
while [ "${#ALIVE[@]}" -gt 0 ]; do
  exited=""
  status=0
  wait -n -p exited "${!ALIVE[@]}" || status=$?
  if [ -n "$exited" ]; then
    unset "ALIVE[$exited]"
    say "run.sh: ${PID_NAME[$exited]} (pid $exited) exited with code $status; see $LOG_DIR/${PID_NAME[$exited]}.log" >&2
  fi
done
say "run.sh: all services have exited."
