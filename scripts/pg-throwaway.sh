#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for CI (.ci/run) and the portal bench
# (npm run bench -- portal): the same server, started the same way.
#
#   scripts/pg-throwaway.sh start <dir> <port>   initdb in <dir>/data, start on 127.0.0.1:<port>
#                                                 (socket in <dir>), print the DATABASE_URL
#   scripts/pg-throwaway.sh stop <dir>            stop it (immediate) and delete <dir>
#
# PostgreSQL refuses to run as root: as root, the cluster belongs to the user `postgres`.
# Trust authentication, superuser `postgres`, UTF-8, locale C.UTF-8. Nothing here is meant to
# outlive the run.
set -euo pipefail

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "pg-throwaway: PostgreSQL introuvable (/usr/lib/postgresql/*/bin/initdb) : apt-get install postgresql" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$1"
  else
    sh -c "$1"
  fi
}

usage() {
  echo "Usage : $0 start <dossier> <port> | stop <dossier>" >&2
  exit 2
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || usage

case "$cmd" in
  start)
    port=${3:-}
    [[ "$port" =~ ^[0-9]+$ ]] || usage
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    as_owner "'$pgbin/initdb' -D '$dir/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    as_owner "'$pgbin/pg_ctl' -D '$dir/data' -l '$dir/log' -w -o '-p $port -c listen_addresses=127.0.0.1 -k $dir' start" >/dev/null || {
      cat "$dir/log" >&2 || true
      exit 1
    }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "'$pgbin/pg_ctl' -D '$dir/data' -m immediate stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    usage
    ;;
esac
