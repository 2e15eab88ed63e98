#!/usr/bin/env bash
# Restore a dump of backup.sh into a NEW, empty database and prove it: `manage.py verify_audit` checks
# every case's hash chain and the last signed checkpoint there. The audit keys (AUDIT_KEYS / SECRET_KEY
# of the installation) must be in the environment, as for the app.
#
#   deploy/backup/restore.sh /backup/gridgov/db/gridgov-20261205T020000Z.dump \
#       postgres://gridgov:…@db:5432/gridgov_restored [media folder of the backup → MEDIA_ROOT]
#
# Refuses a database that has tables. Media: rsync the dated folder back to MEDIA_ROOT (third argument).
set -euo pipefail
DUMP=${1:?dump file}
TARGET=${2:?target database URL}
cd "$(dirname "$0")/../.."
if [ -f "$DUMP.sha256" ]; then (cd "$(dirname "$DUMP")" && sha256sum --check --quiet "$(basename "$DUMP").sha256"); fi
TABLES=$(psql "$TARGET" -Atc "select count(*) from pg_tables where schemaname = 'public'")
if [ "$TABLES" != "0" ]; then
  echo "restore: $TARGET has $TABLES tables; restore into a new, empty database." >&2
  exit 2
fi
pg_restore --no-owner --no-privileges --exit-on-error --jobs "${RESTORE_JOBS:-2}" --dbname "$TARGET" "$DUMP"
if [ -n "${3:-}" ]; then
  : "${MEDIA_ROOT:?MEDIA_ROOT for the media}"
  rsync -a "$3"/ "$MEDIA_ROOT"/
fi
DATABASE_URL=$TARGET python manage.py verify_audit
