#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server: a fresh cluster in a temporary
# directory on a free loopback port, stopped and removed afterwards (also on failure or Ctrl-C).
# The command sees DATABASE_URL and LOOPKIT_TEST_DATABASE_URL.
set -euo pipefail
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
dir=$(mktemp -d /tmp/loopkit-pg.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# PostgreSQL refuses to run as root: run it as the postgres user when we are root.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; as_pg=(runuser -u postgres --); fi
# Run PostgreSQL tools from inside $dir: the postgres user cannot enter the caller's directory.
pg() { (cd "$dir" && "${as_pg[@]}" "$@"); }
stop() {
  pg "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM
pg "$pg_bin/initdb" -D "$dir/data" -A trust -U loopkit -E UTF8 --locale=C.UTF-8 >/dev/null
pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
pg "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U loopkit loopkit
export DATABASE_URL="postgresql://loopkit@127.0.0.1:$port/loopkit"
export LOOPKIT_TEST_DATABASE_URL="$DATABASE_URL"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on port $port"
"$@"
