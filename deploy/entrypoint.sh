#!/bin/sh
# One image, four roles:  web | worker | beat | manage <command>  (anything else runs as given).
# web migrates and collects static files before gunicorn starts, so a new image is ready on its own.
set -eu
cd "$(dirname "$0")/.."

# The compose file passes the database password; build the URL from it unless one is given
# (an external database). Quoted here so any character is safe in a password.
if [ -z "${DATABASE_URL:-}" ] && [ -n "${POSTGRES_PASSWORD:-}" ]; then
    DATABASE_URL=$(python - <<'PY'
import os
from urllib.parse import quote

print("postgres://{}:{}@{}:{}/{}".format(
    quote(os.environ.get("POSTGRES_USER", "gridgov"), safe=""),
    quote(os.environ["POSTGRES_PASSWORD"], safe=""),
    os.environ.get("POSTGRES_HOST", "db"),
    os.environ.get("POSTGRES_PORT", "5432"),
    quote(os.environ.get("POSTGRES_DB", "gridgov"), safe=""),
))
PY
)
    export DATABASE_URL
fi

# The folders the settings point at (they create nothing when imported); the image makes the default
# ones, this covers a GRIDGOV_VAR_DIR or volume of your own. Without REDIS_URL, Celery runs on the
# filesystem broker under it.
VAR=${GRIDGOV_VAR_DIR:-/var/lib/gridgov}
mkdir -p "$VAR" "${STATIC_ROOT:-$VAR/staticfiles}" "${MEDIA_ROOT:-$VAR/media}" "$VAR/beat"
# prometheus_client's multiprocess mode writes its counters here (gridgov/observability.py).
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then mkdir -p "$PROMETHEUS_MULTIPROC_DIR"; fi
if [ -z "${REDIS_URL:-}" ]; then
    mkdir -p "$VAR/broker/queue" "$VAR/broker/processed" "$VAR/broker/control"
fi

role=${1:-web}
[ $# -gt 0 ] && shift

case "$role" in
  web)
    # Run migrations from one place only: with several web replicas set GRIDGOV_MIGRATE_ON_START=0
    # and run `docker compose run --rm web manage migrate` before rolling them.
    if [ "${GRIDGOV_MIGRATE_ON_START:-1}" = "1" ]; then
        python manage.py migrate --noinput
    fi
    python manage.py collectstatic --noinput -v 0
    exec gunicorn --config deploy/gunicorn.conf.py gridgov.wsgi:application "$@"
    ;;
  worker)
    exec celery -A gridgov worker --loglevel="${LOG_LEVEL:-INFO}" \
        --concurrency="${CELERY_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    # The schedule file records when each periodic task last ran: on a volume, a restart of beat
    # neither repeats nor skips a run.
    exec celery -A gridgov beat --loglevel="${LOG_LEVEL:-INFO}" \
        --schedule="${CELERY_BEAT_SCHEDULE_FILE:-${GRIDGOV_VAR_DIR:-/var/lib/gridgov}/beat/celerybeat-schedule}" "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
