#!/usr/bin/env bash
# One bounded, headless locust run against gunicorn (deploy/gunicorn.conf.py) + a Celery worker and beat, on
# the PostgreSQL database and Redis named in DATABASE_URL / REDIS_URL (prepared by bench/load/prepare.py).
#   WEB_CONCURRENCY=1 USERS=300 SPAWN=2 DURATION=3m bench/load/run.sh out/w1
# Users ramp up at SPAWN per second, so one run walks the load up and the stats history shows where p95
# passes 300 ms. Figures and how to read them: bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:?output prefix}
mkdir -p "$(dirname "$OUT")"
PORT=${PORT:-8722}
LOCUST=${LOCUST:-/tmp/locust_ops22/bin/locust}
export AXES_FAILURE_LIMIT=1000000 DEBUG=false GRIDGOV_OTP_REQUIRED=false LOG_FORMAT=json LOG_LEVEL=WARNING GUNICORN_ACCESS_LOG=
export API_USER_RATE=100000/min API_ANON_RATE=100000/min OPEN311_RATE_LIMIT=0
export GUNICORN_BIND=127.0.0.1:$PORT WEB_CONCURRENCY=${WEB_CONCURRENCY:-1}
export PROMETHEUS_MULTIPROC_DIR=${GRIDGOV_VAR_DIR:?}/prom && rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
python manage.py collectstatic --noinput -v 0
# The broker outage (issue 22 §1): with OUTAGE_AT=<seconds>, Celery's broker is a Redis of its own on
# BROKER_PORT (the cache stays on REDIS_URL), stopped OUTAGE_AT seconds into the run for OUTAGE_SECONDS.
if [ -n "${OUTAGE_AT:-}" ]; then
  BROKER_PORT=${BROKER_PORT:-6390}
  redis-server --daemonize yes --bind 127.0.0.1 --port "$BROKER_PORT" --save "" --appendonly no
  export CELERY_BROKER_URL=redis://127.0.0.1:$BROKER_PORT/0
  (sleep "$OUTAGE_AT"; echo "broker stopped at $(date -u +%T)"; redis-cli -p "$BROKER_PORT" shutdown nosave || true
   sleep "${OUTAGE_SECONDS:-60}"; redis-server --daemonize yes --bind 127.0.0.1 --port "$BROKER_PORT" --save "" \
     --appendonly no; echo "broker back at $(date -u +%T)") > "$OUT.outage.log" 2>&1 &
fi
STARTED=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
gunicorn -c deploy/gunicorn.conf.py gridgov.wsgi > "$OUT.gunicorn.log" 2>&1 & WEB=$!
celery -A gridgov worker -c 1 -l WARNING > "$OUT.worker.log" 2>&1 & WORKER=$!
celery -A gridgov beat -l WARNING -s "$GRIDGOV_VAR_DIR/beat-schedule" > "$OUT.beat.log" 2>&1 & BEAT=$!
trap 'kill $WEB $WORKER $BEAT 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$PORT/healthz/live" >/dev/null && break; sleep 1; done
"$LOCUST" -f bench/load/locustfile.py --host "http://127.0.0.1:$PORT" --headless --only-summary \
  -u "${USERS:-300}" -r "${SPAWN:-2}" -t "${DURATION:-3m}" --csv "$OUT" --csv-full-history \
  > "$OUT.locust.log" 2>&1 || true
curl -s -H "Authorization: Bearer ${METRICS_TOKEN:-}" "http://127.0.0.1:$PORT/metrics" > "$OUT.metrics.txt" || true
tail -40 "$OUT.locust.log"
if [ -n "${OUTAGE_AT:-}" ]; then
  cat "$OUT.outage.log"
  python bench/load/catchup.py --since "$STARTED" --timeout "${CATCHUP_TIMEOUT:-900}" | tee "$OUT.catchup.log"
fi
