#!/usr/bin/env bash
# `make run` (scripts/run-local.sh): migrate the database (SQLite in instance/ unless
# DATABASE_URL says otherwise), load the library, seed the demo team when the database is empty,
# then serve on 127.0.0.1:5000 with Flask's server and the scheduler process beside it.
# `make serve` (scripts/run-local.sh serve): the production stack instead: gunicorn (settings in
# gunicorn.conf.py) plus the scheduler, JSON logs, on 127.0.0.1:8000.
# Reminders go to the Maildir in instance/mail/ unless SMTP is configured.
# Ctrl-C stops everything started here.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=app
# Everything written here (database, packets, mail, the key) is for this user only.
umask 077
mkdir -p instance
# A key generated once per checkout, kept in instance/ (git-ignored), so sign-ins survive
# restarts. The app reads it when LOOPKIT_SECRET_KEY is unset, so any `flask` command here
# uses the same key.
if [ -z "${LOOPKIT_SECRET_KEY:-}" ] && [ ! -s instance/secret_key ]; then
  python3 -c 'import secrets; print(secrets.token_hex(32))' > instance/secret_key
fi
mode=${1:-run}
flask=.venv/bin/flask
host=${LOOPKIT_HOST:-127.0.0.1}
if [ "$mode" = serve ]; then
  port=${LOOPKIT_PORT:-8000}
  export LOOPKIT_BIND="$host:$port"
else
  port=${LOOPKIT_PORT:-5000}
  export LOOPKIT_LOG_FORMAT=${LOOPKIT_LOG_FORMAT:-text}
fi
# Links in mail and invites follow the host and port served (unless LOOPKIT_BASE_URL is set).
export LOOPKIT_HOST="$host" LOOPKIT_PORT="$port"
$flask db upgrade
$flask demo seed
echo
echo "Loopkit is at http://$host:$port/  (Ctrl-C stops it and the scheduler)"
echo "Mail goes to instance/mail/ (a Maildir) unless LOOPKIT_SMTP_HOST is set."
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT
if [ "$mode" = serve ]; then
  .venv/bin/gunicorn 'app:create_app()' &
else
  $flask run --host "$host" --port "$port" &
fi
pids+=($!)
$flask scheduler run &
pids+=($!)
wait -n "${pids[@]}"
