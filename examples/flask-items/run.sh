#!/usr/bin/env bash
# Start the items API (gunicorn) and the invalidation worker as two child processes.
# SIGTERM or SIGINT to this script is forwarded to both, and the script waits for them;
# if either child exits on its own, the other is stopped too. Run ./setup.sh first.
set -euo pipefail
cd "$(dirname "$0")"

PY=.venv/bin/python
if [[ ! -x "$PY" ]]; then
    echo "run.sh: $PWD/$PY is missing; run ./setup.sh first" >&2
    exit 1
fi

export PORT="${PORT:-8080}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
export CACHE_TTL_SECONDS="${CACHE_TTL_SECONDS:-300}"
export PYTHONUNBUFFERED=1

# Each process gets its own service name (override with API_SERVICE_NAME/WORKER_SERVICE_NAME).
OTEL_SERVICE_NAME="${API_SERVICE_NAME:-items-api}" \
    "$PY" -m gunicorn -c gunicorn.conf.py api:app &
api_pid=$!
OTEL_SERVICE_NAME="${WORKER_SERVICE_NAME:-items-worker}" \
    "$PY" worker.py &
worker_pid=$!

stopping=0
stop_children() {
    stopping=1
    kill -TERM "$api_pid" "$worker_pid" 2>/dev/null || true
}
trap stop_children TERM INT

# Returns when a child exits or a trapped signal arrives.
status=0
wait -n "$api_pid" "$worker_pid" || status=$?
signalled=$stopping
if [[ $signalled -eq 0 ]]; then
    echo "run.sh: a child exited (status $status); stopping the other" >&2
fi
stop_children
# Wait for both; a second signal only interrupts one wait, so loop until both are gone.
while kill -0 "$api_pid" 2>/dev/null || kill -0 "$worker_pid" 2>/dev/null; do
    wait || true
done
trap - TERM INT
if [[ $signalled -eq 1 ]]; then
    exit 0   # we were told to stop, and both children have stopped
fi
# A child that stops by itself is a failure even with status 0: the services never end.
exit $(( status == 0 ? 1 : status ))
