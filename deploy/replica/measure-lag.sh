#!/usr/bin/env bash
# The local replica's lag (start-local.sh) under a small, steady write load: pgbench's TPC-B-like
# transactions (three UPDATEs and an INSERT each) at a fixed rate on a throwaway database of the primary,
# while the primary's pg_stat_replication is read every 0.2 s: replay_lag (from a commit's WAL flushed on the
# primary to the standby reporting it applied) and the WAL bytes the standby has still to replay.
#
#   deploy/replica/measure-lag.sh [transactions per second, 50] [seconds, 30]
#
# Prints pgbench's rate and latency, then the lag's p50 / p95 / max. The whole cluster's WAL streams, so
# other databases' writes on the same server count too: the load average is printed beside the figures.
set -euo pipefail
RATE=${1:-50}
DURATION=${2:-30}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
DB=gridgov_lag_$$
WORK=$(mktemp -d /tmp/gridgov-lag.XXXX)

die() {
  echo "measure-lag.sh: $*" >&2
  exit 1
}
primary() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }
bench() { pgbench -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres "$@"; }
cleanup() {
  primary -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
percentiles() { # p50 p95 max of one number a line
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "no samples"; exit }
    printf "p50 %s, p95 %s, max %s (%d samples)\n", v[int((NR + 1) * 0.5)], v[int((NR - 1) * 0.95) + 1], v[NR], NR }'
}

[ "$(primary -d postgres -c "select count(*) from pg_stat_replication where application_name = 'gridgov_replica'")" = 1 ] ||
  die "no replica named gridgov_replica streams from 127.0.0.1:$PRIMARY_PORT; run deploy/replica/start-local.sh first."
trap cleanup EXIT
primary -d postgres -c "CREATE DATABASE $DB"
bench -i -s 1 -q "$DB" >"$WORK/init.log" 2>&1 || die "pgbench -i failed: $(tail -3 "$WORK/init.log")"

START_LSN=$(primary -d postgres -c 'select pg_current_wal_lsn()')
bench -n -c 2 -j 1 -R "$RATE" -T "$DURATION" "$DB" >"$WORK/pgbench.log" 2>&1 &
LOAD=$!
while kill -0 "$LOAD" 2>/dev/null; do
  primary -d postgres -F ',' -c "select round(extract(epoch from replay_lag) * 1000, 1),
    pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) from pg_stat_replication
    where application_name = 'gridgov_replica'" >>"$WORK/samples" || true
  sleep 0.2
done
wait "$LOAD" || die "pgbench failed: $(tail -3 "$WORK/pgbench.log")"

echo "write load: $(grep -E '^tps' "$WORK/pgbench.log" | head -1) for $DURATION s at -R $RATE;" \
  "$(grep -E '^latency average' "$WORK/pgbench.log")"
echo "WAL the primary wrote meanwhile (this load and every other database's): $(primary -d postgres -c \
  "select pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$START_LSN'))"); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# replay_lag is empty once the standby has caught up and nothing new has come: counted as no lag (0 ms).
echo "replay lag, ms: $(awk -F, '{ print ($1 == "" ? 0 : $1) }' "$WORK/samples" | percentiles)"
echo "WAL not yet replayed, bytes: $(awk -F, '{ print $2 }' "$WORK/samples" | percentiles)"
