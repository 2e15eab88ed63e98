#!/usr/bin/env bash
# GridGov backup: the database (pg_dump, custom format: compressed, restorable table by table, in one
# consistent snapshot without stopping the app) and the stored files (photos, imports), then old backups
# pruned. Run it daily from the host's cron or a systemd timer (not Celery: a backup must not depend on
# the app being up). For point-in-time recovery add WAL archiving (deploy/backup/README.md).
#
#   DATABASE_URL=postgres://gridgov:…@db:5432/gridgov MEDIA_ROOT=/var/lib/gridgov/media \
#   BACKUP_DIR=/backup/gridgov BACKUP_KEEP_DAYS=30 deploy/backup/backup.sh
#
# Prints the dump's path. Media go by rsync into a dated folder hard-linked to the previous one, so each
# day's folder is complete but only new photos take space (stored files are never changed in place).
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL}" "${BACKUP_DIR:?BACKUP_DIR}"
KEEP=${BACKUP_KEEP_DAYS:-30}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUP_DIR/db" "$BACKUP_DIR/media"

DUMP="$BACKUP_DIR/db/gridgov-$STAMP.dump"
pg_dump --format=custom --no-owner --no-privileges --file "$DUMP.partial" "$DATABASE_URL"
mv "$DUMP.partial" "$DUMP"  # a dump that is there is whole
sha256sum "$DUMP" > "$DUMP.sha256"

if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
  LAST=$(ls -1d "$BACKUP_DIR"/media/20* 2>/dev/null | tail -1 || true)
  rsync -a --delete ${LAST:+--link-dest="$LAST"} "$MEDIA_ROOT"/ "$BACKUP_DIR/media/$STAMP.partial"/
  mv "$BACKUP_DIR/media/$STAMP.partial" "$BACKUP_DIR/media/$STAMP"
fi

find "$BACKUP_DIR/db" -name 'gridgov-*.dump*' -mtime +"$KEEP" -delete
find "$BACKUP_DIR/media" -mindepth 1 -maxdepth 1 -type d -name '20*' -mtime +"$KEEP" -exec rm -rf {} +
echo "$DUMP"
