# shellcheck shell=bash
# RabbitMQ helpers for run.sh and test.sh. Source this file; it only defines functions.
#
#   apiled_rabbitmq_ensure          make a broker available and export APILED_RABBITMQ_URL
#   apiled_rabbitmq_stop_if_started stop the local broker, but only if apiled_rabbitmq_ensure started it
#
# After apiled_rabbitmq_ensure:
#   APILED_RABBITMQ_URL              amqp URI the services and tests use (exported)
#   APILED_RABBITMQ_LOCAL            1 when the broker is the local node (rabbitmqctl works), else 0
#   APILED_RABBITMQ_STARTED_BY_US    1 when this shell started the local node, else 0

APILED_RABBITMQ_STARTED_BY_US="${APILED_RABBITMQ_STARTED_BY_US:-0}"
APILED_RABBITMQ_LOCAL="${APILED_RABBITMQ_LOCAL:-0}"
# The local node's AMQP port (RABBITMQ_NODE_PORT is RabbitMQ's own setting, honoured by rabbitmq-server).
APILED_RABBITMQ_LOCAL_PORT="${RABBITMQ_NODE_PORT:-5672}"
APILED_RABBITMQ_LOCAL_URL="amqp://guest:guest@127.0.0.1:${APILED_RABBITMQ_LOCAL_PORT}/"

_apiled_rmq_log() { printf '[rabbitmq] %s\n' "$*" >&2; }

# rabbitmqctl and rabbitmq-server live in /usr/sbin on Debian, which a non-login PATH may miss.
_apiled_rmq_path() {
  case ":$PATH:" in *":/usr/sbin:"*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
  export PATH
}

# _apiled_tcp_open HOST PORT [SECONDS]: true when HOST:PORT accepts a TCP connection.
_apiled_tcp_open() {
  local host="$1" port="$2" secs="${3:-3}"
  host="${host#[}"; host="${host%]}"
  timeout "$secs" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

# _apiled_amqp_hostport URL: prints "HOST PORT" of an amqp:// or amqps:// URI.
_apiled_amqp_hostport() {
  local url="$1" scheme rest authority host port
  scheme="${url%%://*}"
  rest="${url#*://}"
  authority="${rest%%/*}"
  authority="${authority%%\?*}"
  authority="${authority##*@}"   # drop user:password@
  if [[ "$authority" == \[* ]]; then           # [ipv6]:port
    host="${authority%%]*}]"
    port="${authority#"$host"}"; port="${port#:}"
  elif [[ "$authority" == *:* ]]; then
    host="${authority%:*}"; port="${authority##*:}"
  else
    host="$authority"; port=""
  fi
  if [ -z "$port" ]; then
    if [ "$scheme" = "amqps" ]; then port=5671; else port=5672; fi
  fi
  [ -n "$host" ] || host=127.0.0.1
  printf '%s %s\n' "$host" "$port"
}

# True when the local node answers rabbitmqctl (quietly; bounded in time).
_apiled_rmq_local_running() {
  command -v rabbitmqctl >/dev/null 2>&1 || return 1
  timeout 30 rabbitmqctl -q status >/dev/null 2>&1
}

# Wait for the local node to finish booting. `rabbitmqctl await_startup` fails at once when it is called
# before the node is reachable (right after -detached), so retry it until the deadline.
_apiled_rmq_await_local() {
  local deadline=$((SECONDS + ${1:-60}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if timeout 20 rabbitmqctl -q await_startup --timeout 15 >/dev/null 2>&1 \
       && _apiled_tcp_open 127.0.0.1 "$APILED_RABBITMQ_LOCAL_PORT" 2; then
      return 0
    fi
    sleep 1
  done
  return 1
}

_apiled_rmq_install() {
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    _apiled_rmq_log "rabbitmq-server is not installed: installing it with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq rabbitmq-server >/dev/null; }; then
      _apiled_rmq_log "apt-get install rabbitmq-server failed"
      return 1
    fi
    _apiled_rmq_path
    command -v rabbitmq-server >/dev/null 2>&1 || { _apiled_rmq_log "rabbitmq-server still not found after install"; return 1; }
    return 0
  fi
  _apiled_rmq_log "RabbitMQ is needed and was not found."
  _apiled_rmq_log "Install it (Debian/Ubuntu: sudo apt-get install rabbitmq-server) and run this again,"
  _apiled_rmq_log "or point RABBITMQ_URL at a reachable broker, e.g. RABBITMQ_URL=amqp://guest:guest@host:5672/"
  return 1
}

apiled_rabbitmq_ensure() {
  _apiled_rmq_path

  if [ -n "${RABBITMQ_URL:-}" ]; then
    local hp host port
    hp="$(_apiled_amqp_hostport "$RABBITMQ_URL")"
    host="${hp% *}"; port="${hp##* }"
    if _apiled_tcp_open "$host" "$port" 3; then
      _apiled_rmq_log "using the broker from RABBITMQ_URL ($host:$port)"
      APILED_RABBITMQ_LOCAL=0
      export APILED_RABBITMQ_URL="$RABBITMQ_URL"
      return 0
    fi
    _apiled_rmq_log "RABBITMQ_URL is set but $host:$port does not accept connections; using a local broker instead"
  fi

  if _apiled_rmq_local_running; then
    _apiled_rmq_log "local RabbitMQ node is already running"
  else
    if ! command -v rabbitmq-server >/dev/null 2>&1; then
      _apiled_rmq_install || return 1
      # Debian's postinst may already have started the node (or not, without systemd): look again.
      if _apiled_rmq_local_running || { sleep 2; _apiled_rmq_local_running; }; then
        _apiled_rmq_log "the package install started the local node"
      fi
    fi
    if ! _apiled_rmq_local_running; then
      _apiled_rmq_log "starting the local RabbitMQ node (127.0.0.1:$APILED_RABBITMQ_LOCAL_PORT)"
      # AMQP, epmd and Erlang distribution all on loopback only.
      if ! RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1 \
           RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="${RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:-} -kernel inet_dist_use_interface {127,0,0,1}" \
           rabbitmq-server -detached; then
        _apiled_rmq_log "rabbitmq-server -detached failed (see /var/log/rabbitmq/)"
        return 1
      fi
      APILED_RABBITMQ_STARTED_BY_US=1
    fi
  fi

  if ! _apiled_rmq_await_local 60; then
    _apiled_rmq_log "the local RabbitMQ node did not become ready within 60 s (see /var/log/rabbitmq/)"
    return 1
  fi
  APILED_RABBITMQ_LOCAL=1
  export APILED_RABBITMQ_URL="$APILED_RABBITMQ_LOCAL_URL"
  _apiled_rmq_log "ready: $APILED_RABBITMQ_URL"
  return 0
}

apiled_rabbitmq_stop_if_started() {
  if [ "${APILED_RABBITMQ_STARTED_BY_US:-0}" = "1" ]; then
    _apiled_rmq_log "stopping the local RabbitMQ node this script started"
    timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || _apiled_rmq_log "rabbitmqctl stop failed"
    APILED_RABBITMQ_STARTED_BY_US=0
  fi
}

# ---------------------------------------------------------------- a local cluster
# apiled_rabbitmq_cluster_ensure N   start a local cluster of N nodes (apiled1@localhost ... on 127.0.0.1:5681 ...,
#                                    data under APILED_RABBITMQ_CLUSTER_DATA, default /tmp/apiled-rabbitmq-cluster) and
#                                    export APILED_RABBITMQ_URL (node 1), APILED_RABBITMQ_ENDPOINTS (the others, comma
#                                    separated host:port) and APILED_RABBITMQ_NODES (the node names, comma separated)
# apiled_rabbitmq_cluster_stop_if_started   stop the nodes apiled_rabbitmq_cluster_ensure started
# Quorum queues are replicated to every node: with one node of three down, every queue keeps working.
APILED_RABBITMQ_CLUSTER_DATA="${APILED_RABBITMQ_CLUSTER_DATA:-/tmp/apiled-rabbitmq-cluster}"
APILED_RABBITMQ_CLUSTER_STARTED=""

_apiled_rmq_cluster_node_env() { # I: the environment of node I
  local i="$1" dir="$APILED_RABBITMQ_CLUSTER_DATA/$1"
  printf '%s\n' "RABBITMQ_NODENAME=apiled$i@localhost" "RABBITMQ_NODE_PORT=$((5680 + i))" "RABBITMQ_DIST_PORT=$((25680 + i))" \
    "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1" "ERL_EPMD_ADDRESS=127.0.0.1" "RABBITMQ_MNESIA_BASE=$dir/mnesia" "RABBITMQ_LOG_BASE=$dir/log" \
    "RABBITMQ_PID_FILE=$dir/rabbitmq.pid" "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins" \
    "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
}

apiled_rabbitmq_cluster_ensure() {
  local count="${1:-3}" i started=0
  _apiled_rmq_path
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    _apiled_rmq_install || return 1
  fi
  for i in $(seq 1 "$count"); do
    if timeout 20 rabbitmqctl -q -n "apiled$i@localhost" ping >/dev/null 2>&1; then
      # The node runs; its application may have been stopped (stop_app): start it again.
      timeout 60 rabbitmqctl -q -n "apiled$i@localhost" start_app >/dev/null 2>&1 || true
      continue
    fi
    mkdir -p "$APILED_RABBITMQ_CLUSTER_DATA/$i"
    [ -f "$APILED_RABBITMQ_CLUSTER_DATA/$i/enabled_plugins" ] || echo "[]." >"$APILED_RABBITMQ_CLUSTER_DATA/$i/enabled_plugins"
    id rabbitmq >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && chown -R rabbitmq:rabbitmq "$APILED_RABBITMQ_CLUSTER_DATA"
    _apiled_rmq_log "starting cluster node apiled$i@localhost (127.0.0.1:$((5680 + i)))"
    local -a node_env
    mapfile -t node_env < <(_apiled_rmq_cluster_node_env "$i")
    if ! env "${node_env[@]}" rabbitmq-server -detached; then
      _apiled_rmq_log "could not start node apiled$i@localhost"
      return 1
    fi
    APILED_RABBITMQ_CLUSTER_STARTED="$APILED_RABBITMQ_CLUSTER_STARTED $i"
    started=1
  done
  for i in $(seq 1 "$count"); do
    local deadline=$((SECONDS + 90))
    until timeout 30 rabbitmqctl -q -n "apiled$i@localhost" await_startup --timeout 25 >/dev/null 2>&1; do
      [ "$SECONDS" -lt "$deadline" ] || { _apiled_rmq_log "node apiled$i@localhost did not start (see $APILED_RABBITMQ_CLUSTER_DATA/$i/log)"; return 1; }
      sleep 1
    done
  done
  for i in $(seq 2 "$count"); do
    if ! timeout 30 rabbitmqctl -q -n "apiled1@localhost" cluster_status 2>/dev/null | grep -q "apiled$i@localhost"; then
      _apiled_rmq_log "joining apiled$i@localhost to the cluster of apiled1@localhost"
      timeout 60 rabbitmqctl -q -n "apiled$i@localhost" stop_app >/dev/null \
        && timeout 60 rabbitmqctl -q -n "apiled$i@localhost" join_cluster "apiled1@localhost" >/dev/null \
        && timeout 60 rabbitmqctl -q -n "apiled$i@localhost" start_app >/dev/null || { _apiled_rmq_log "apiled$i@localhost could not join"; return 1; }
    fi
  done
  export APILED_RABBITMQ_URL="amqp://guest:guest@127.0.0.1:5681/"
  APILED_RABBITMQ_ENDPOINTS=""
  APILED_RABBITMQ_NODES="apiled1@localhost"
  for i in $(seq 2 "$count"); do
    APILED_RABBITMQ_ENDPOINTS="${APILED_RABBITMQ_ENDPOINTS:+$APILED_RABBITMQ_ENDPOINTS,}127.0.0.1:$((5680 + i))"
    APILED_RABBITMQ_NODES="$APILED_RABBITMQ_NODES,apiled$i@localhost"
  done
  export APILED_RABBITMQ_ENDPOINTS APILED_RABBITMQ_NODES
  _apiled_rmq_log "cluster ready: $APILED_RABBITMQ_NODES (AMQP 127.0.0.1:5681-$((5680 + count)))"
  [ "$started" = "1" ] || _apiled_rmq_log "(the cluster was already running)"
  return 0
}

apiled_rabbitmq_cluster_stop_if_started() {
  local i
  for i in $APILED_RABBITMQ_CLUSTER_STARTED; do
    _apiled_rmq_log "stopping cluster node apiled$i@localhost"
    timeout 60 rabbitmqctl -q -n "apiled$i@localhost" stop >/dev/null 2>&1 || _apiled_rmq_log "rabbitmqctl stop of apiled$i@localhost failed"
  done
  APILED_RABBITMQ_CLUSTER_STARTED=""
}
