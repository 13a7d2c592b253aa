# shellcheck shell=bash
# PostgreSQL helpers for run.sh and test.sh. Source this file; it only defines functions.
#
#   apiled_postgres_ensure            make a server available and export APILED_POSTGRES_URL
#   apiled_postgres_create_db NAME    create database NAME (C collation, UTF-8) unless it exists
#   apiled_postgres_stop_if_started   stop the local server, but only if apiled_postgres_ensure started it
#
# Settings:
#   POSTGRES_URL             use this server when reachable: an Npgsql connection string of a role that may create
#                            databases, e.g. "Host=db;Port=5432;Username=apiled;Password=secret"
#   APILED_POSTGRES_PORT     port of the local server (default 5433, so a system PostgreSQL on 5432 is left alone)
#   APILED_POSTGRES_DATA     data folder of the local server (default /tmp/apiled-postgres)
#
# After apiled_postgres_ensure:
#   APILED_POSTGRES_URL              Npgsql connection string without a database (exported)
#   APILED_POSTGRES_STARTED_BY_US    1 when this shell started the local server, else 0
#
# The local server is a cluster of its own (initdb), owned by the postgres user, listening on 127.0.0.1 only,
# trusting local connections: a developer's and CI's throwaway server, never a production one.

APILED_POSTGRES_STARTED_BY_US="${APILED_POSTGRES_STARTED_BY_US:-0}"
APILED_POSTGRES_PORT="${APILED_POSTGRES_PORT:-5433}"
APILED_POSTGRES_DATA="${APILED_POSTGRES_DATA:-/tmp/apiled-postgres}"

_apiled_pg_log() { printf '[postgres] %s\n' "$*" >&2; }

# _apiled_pg_bin: the folder of Debian's PostgreSQL server programs (initdb, pg_ctl, postgres), newest version.
_apiled_pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && printf '%s' "$dir"
}

_apiled_pg_install() {
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    _apiled_pg_log "PostgreSQL is not installed: install it (Debian: apt-get install postgresql) or set POSTGRES_URL"
    return 1
  fi
  _apiled_pg_log "installing PostgreSQL with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null || {
    _apiled_pg_log "apt-get install postgresql failed"
    return 1
  }
  # Debian's package starts a cluster of its own on 5432 when it can; ours is separate, so leave it be.
}

# _apiled_pg_as_owner CMD...: runs CMD as the postgres user when we are root (the server refuses to run as root).
_apiled_pg_as_owner() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_apiled_pg_ready() {
  local bin
  bin="$(_apiled_pg_bin)" || return 1
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$APILED_POSTGRES_PORT" >/dev/null 2>&1
}

apiled_postgres_ensure() {
  if [ -n "${POSTGRES_URL:-}" ]; then
    _apiled_pg_log "using the server from POSTGRES_URL"
    export APILED_POSTGRES_URL="$POSTGRES_URL"
    return 0
  fi

  local bin
  if ! bin="$(_apiled_pg_bin)"; then
    _apiled_pg_install || return 1
    bin="$(_apiled_pg_bin)" || { _apiled_pg_log "no PostgreSQL server programs under /usr/lib/postgresql"; return 1; }
  fi

  if _apiled_pg_ready; then
    _apiled_pg_log "local PostgreSQL is already running (127.0.0.1:$APILED_POSTGRES_PORT)"
  else
    if [ ! -f "$APILED_POSTGRES_DATA/PG_VERSION" ]; then
      mkdir -p "$APILED_POSTGRES_DATA"
      [ "$(id -u)" = "0" ] && chown postgres:postgres "$APILED_POSTGRES_DATA"
      chmod 700 "$APILED_POSTGRES_DATA"
      if ! _apiled_pg_as_owner "$bin/initdb" -D "$APILED_POSTGRES_DATA" -U postgres -A trust -E UTF8 --locale=C >/dev/null; then
        _apiled_pg_log "initdb failed for $APILED_POSTGRES_DATA"
        return 1
      fi
    fi
    _apiled_pg_log "starting the local PostgreSQL (127.0.0.1:$APILED_POSTGRES_PORT, data $APILED_POSTGRES_DATA)"
    # fsync stays on: the store's promises (an accepted order is not lost) hold on this server as on any other.
    if ! _apiled_pg_as_owner "$bin/pg_ctl" -D "$APILED_POSTGRES_DATA" -l "$APILED_POSTGRES_DATA/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $APILED_POSTGRES_PORT -k $APILED_POSTGRES_DATA -c max_connections=400" start >/dev/null; then
      _apiled_pg_log "pg_ctl start failed (see $APILED_POSTGRES_DATA/server.log)"
      return 1
    fi
    APILED_POSTGRES_STARTED_BY_US=1
  fi

  export APILED_POSTGRES_URL="Host=127.0.0.1;Port=$APILED_POSTGRES_PORT;Username=postgres"
  _apiled_pg_log "ready: $APILED_POSTGRES_URL"
  return 0
}

# apiled_postgres_create_db NAME: creates database NAME on the local server unless it exists.
apiled_postgres_create_db() {
  local name="$1" bin
  local -x PGCONNECT_TIMEOUT=10   # psql waits at most this long for the server
  bin="$(_apiled_pg_bin)" || return 1
  if [ -n "${POSTGRES_URL:-}" ]; then
    _apiled_pg_log "POSTGRES_URL is set: create database $name there yourself (or let the service's role create it)"
    return 0
  fi
  if [ "$("$bin/psql" -h 127.0.0.1 -p "$APILED_POSTGRES_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" 2>/dev/null)" != "1" ]; then
    "$bin/psql" -q -h 127.0.0.1 -p "$APILED_POSTGRES_PORT" -U postgres -d postgres \
      -c "CREATE DATABASE \"$name\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null || return 1
  fi
}

apiled_postgres_stop_if_started() {
  if [ "${APILED_POSTGRES_STARTED_BY_US:-0}" = "1" ]; then
    local bin
    bin="$(_apiled_pg_bin)" || return 0
    _apiled_pg_log "stopping the local PostgreSQL this script started"
    _apiled_pg_as_owner "$bin/pg_ctl" -D "$APILED_POSTGRES_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || _apiled_pg_log "pg_ctl stop failed"
    APILED_POSTGRES_STARTED_BY_US=0
  fi
}
