#!/usr/bin/env bash
# Start the catalog API and the invalidation worker as two node processes, traced with
# OpenTelemetry's zero-code register hook. SIGTERM/SIGINT are forwarded to both; the
# script waits for both to exit. If either dies on its own, the other is stopped too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

NODE="${NODE:-node}"

# OpenTelemetry SDK configuration (standard env vars; whatever the caller set wins).
# OTEL_EXPORTER_OTLP_ENDPOINT is the caller's to give (SDK default: http://localhost:4318).
export OTEL_TRACES_EXPORTER="${OTEL_TRACES_EXPORTER:-otlp}"
export OTEL_EXPORTER_OTLP_PROTOCOL="${OTEL_EXPORTER_OTLP_PROTOCOL:-http/json}"
export OTEL_METRICS_EXPORTER="${OTEL_METRICS_EXPORTER:-none}"
export OTEL_LOGS_EXPORTER="${OTEL_LOGS_EXPORTER:-none}"
export OTEL_BSP_SCHEDULE_DELAY="${OTEL_BSP_SCHEDULE_DELAY:-200}"
export OTEL_NODE_RESOURCE_DETECTORS="${OTEL_NODE_RESOURCE_DETECTORS:-env,host}"
export OTEL_NODE_DISABLED_INSTRUMENTATIONS="${OTEL_NODE_DISABLED_INSTRUMENTATIONS:-fs,dns,net}"

REGISTER=(--require @opentelemetry/auto-instrumentations-node/register)

OTEL_SERVICE_NAME="${OTEL_SERVICE_NAME:-catalog-api}" "$NODE" "${REGISTER[@]}" server.js &
api=$!
OTEL_SERVICE_NAME="${OTEL_SERVICE_NAME:-catalog-worker}" "$NODE" "${REGISTER[@]}" worker.js &
worker=$!

signalled=0
stop() {
  # Ignore further signals (e.g. the same SIGTERM sent to the whole process group):
  # the children are already told, and we must stay to reap them.
  trap '' TERM INT
  kill -TERM "$api" "$worker" 2>/dev/null || true
}
trap 'signalled=1; stop' TERM INT

set +e
wait -n "$api" "$worker"   # returns when a child exits or a trapped signal arrives
stop
wait "$api"; api_status=$?
wait "$worker"; worker_status=$?

if [ "$signalled" = 1 ] && [ "$api_status" = 0 ] && [ "$worker_status" = 0 ]; then
  exit 0
fi
if [ "$api_status" != 0 ]; then exit "$api_status"; fi
if [ "$worker_status" != 0 ]; then exit "$worker_status"; fi
exit 1   # a child exited by itself with status 0: still not a normal stop
