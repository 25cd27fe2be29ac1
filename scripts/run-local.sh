#!/usr/bin/env bash
# `make run`: migrate the SQLite database in instance/, load the library, seed the demo team
# when the database is empty, then serve on 127.0.0.1:5000 with the scheduler process beside
# the web server (reminders go to the Maildir in instance/mail/ unless SMTP is configured).
# Ctrl-C stops everything started here.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=app
mkdir -p instance
# A key generated once per checkout, kept in instance/ (git-ignored), so sign-ins survive restarts.
if [ -z "${LOOPKIT_SECRET_KEY:-}" ]; then
  [ -s instance/secret_key ] || python3 -c 'import secrets; print(secrets.token_hex(32))' > instance/secret_key
  chmod 600 instance/secret_key
  LOOPKIT_SECRET_KEY=$(cat instance/secret_key)
  export LOOPKIT_SECRET_KEY
fi
flask=.venv/bin/flask
$flask db upgrade
$flask demo seed
host=${LOOPKIT_HOST:-127.0.0.1}
port=${LOOPKIT_PORT:-5000}
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
$flask run --host "$host" --port "$port" &
pids+=($!)
$flask scheduler run &
pids+=($!)
wait -n "${pids[@]}"
