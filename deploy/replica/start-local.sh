#!/usr/bin/env bash
# A hot-standby streaming replica of this machine's PostgreSQL on 127.0.0.1:5433 (issue 22 §4), for CI and
# a developer's machine: GridGov's replica router (gridgov/replica.py) then reads reports and the big screen
# from a real standby. Run as root on Debian with the primary's cluster (/etc/postgresql/<version>/<name>)
# online on 127.0.0.1:5432.
#
#   deploy/replica/start-local.sh          start the replica, or leave the one already streaming
#   deploy/replica/start-local.sh stop     stop it and remove its data directory
#
# Environment: PRIMARY_PORT (5432), REPLICA_PORT (5433), REPLICA_DIR (/tmp/gridgov-replica-<port>).
#
# What it changes on the primary: one line in its pg_hba.conf (replication connections from 127.0.0.1,
# trust, as the machine's other local connections already are) and a configuration reload. It never
# restarts or stops the primary. The replica has no replication slot, so a replica that is stopped or left
# behind never makes the primary keep WAL; it is started afresh (pg_basebackup, seconds for a small
# cluster) whenever it is not running. Production replicas: deploy/pgbouncer/README.md.
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/tmp/gridgov-replica-$REPLICA_PORT}
MARKER=.gridgov-replica  # in the data directory: this script made it, so `stop` and a restart may remove it
HBA_LINE="host replication all 127.0.0.1/32 trust  # gridgov replica (deploy/replica/start-local.sh)"

die() {
  echo "start-local.sh: $*" >&2
  exit 1
}

primary() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }
replica() { psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }
as_postgres() { runuser -u postgres -- "$@"; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ "$(id -u)" = 0 ] || die "run as root (it edits the primary's pg_hba.conf and starts a server as postgres)."
command -v pg_lsclusters >/dev/null || die "pg_lsclusters not found: this script expects Debian's postgresql-common."
# The primary's cluster: the one pg_lsclusters lists on PRIMARY_PORT (its version picks the binaries).
read -r VERSION CLUSTER < <(pg_lsclusters -h | awk -v port="$PRIMARY_PORT" '$3 == port { print $1, $2; exit }') ||
  die "no cluster in /etc/postgresql listens on port $PRIMARY_PORT (pg_lsclusters: $(pg_lsclusters -h | tr '\n' ';'))."
BIN=/usr/lib/postgresql/$VERSION/bin
[ -x "$BIN/pg_ctl" ] || die "$BIN/pg_ctl not found."
# One run at a time for this port (CI and a developer may start it together).
exec 9>"/tmp/gridgov-replica-$REPLICA_PORT.lock"
flock -w 120 9 || die "another start-local.sh for port $REPLICA_PORT still runs after 2 minutes."

stop_ours() {
  [ -d "$REPLICA_DIR" ] || return 0
  [ -f "$REPLICA_DIR/$MARKER" ] || die "$REPLICA_DIR exists but this script did not make it; remove it or set REPLICA_DIR."
  if as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1; then
    # immediate: the directory is removed next, so nothing in it needs to be written out first
    as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -m immediate -w -t 60 stop >/dev/null 9>&- ||
      die "could not stop the replica in $REPLICA_DIR: $(tail -3 "$REPLICA_DIR/server.log" 2>/dev/null)"
  fi
  # Removed in the background under another name: deleting half a gigabyte of freshly written files can
  # take half a minute on a busy disk, and nothing waits for it.
  local gone
  gone="$REPLICA_DIR.removed.$$"
  mv "$REPLICA_DIR" "$gone"
  rm -rf "$gone" 9>&- >/dev/null 2>&1 &
}

if [ "${1:-start}" = stop ]; then
  stop_ours
  echo "replica on 127.0.0.1:$REPLICA_PORT stopped; $REPLICA_DIR removed."
  exit 0
fi
[ "${1:-start}" = start ] || die "usage: start-local.sh [start|stop]"

# --- The primary: reachable, able to stream, and letting 127.0.0.1 connect for replication ---------------
"$BIN/pg_isready" -q -h 127.0.0.1 -p "$PRIMARY_PORT" ||
  die "the primary ($VERSION/$CLUSTER) does not answer on 127.0.0.1:$PRIMARY_PORT; start it first (pg_ctlcluster $VERSION $CLUSTER start)."
primary -c 'select 1' >/dev/null || die "cannot connect to the primary as postgres from 127.0.0.1."
WAL_LEVEL=$(primary -c 'show wal_level')
[ "$WAL_LEVEL" != minimal ] || die "the primary has wal_level = minimal; set it to replica (needs a restart of the primary)."
read -r SENDERS BUSY < <(primary -F ' ' -c "select current_setting('max_wal_senders'), count(*) from pg_stat_replication")
[ "$SENDERS" -gt "$BUSY" ] || die "the primary's max_wal_senders ($SENDERS) are all in use."
SYSTEM_ID=$(primary -c 'select system_identifier from pg_control_system()')

HBA_FILE=$(primary -c 'show hba_file')
if ! grep -qxF "$HBA_LINE" "$HBA_FILE"; then
  printf '%s\n' "$HBA_LINE" >> "$HBA_FILE"
  primary -c 'select pg_reload_conf()' >/dev/null
  echo "added to $HBA_FILE and reloaded: $HBA_LINE"
fi
# The reload is a signal the postmaster handles in its own time: ask for a replication connection until
# the new rule answers (an earlier line of the file that rejects replication would keep refusing it).
for _ in $(seq 50); do
  if psql "host=127.0.0.1 port=$PRIMARY_PORT user=postgres replication=true" -XAtq -c IDENTIFY_SYSTEM >/dev/null 2>&1; then
    REPLICATION_OK=1
    break
  fi
  sleep 0.1
done
[ -n "${REPLICATION_OK:-}" ] || die "the primary refuses replication connections from 127.0.0.1 after the reload; \
check the lines above ours in $HBA_FILE: $(psql "host=127.0.0.1 port=$PRIMARY_PORT user=postgres replication=true" \
  -XAtq -c IDENTIFY_SYSTEM 2>&1 | head -1)"

# --- Already streaming? ---------------------------------------------------------------------------------
if answers "$REPLICA_PORT"; then
  STATE=$(replica -F ' ' -c 'select pg_is_in_recovery(), system_identifier from pg_control_system()' 2>/dev/null || true)
  [ "$STATE" = "t $SYSTEM_ID" ] ||
    die "127.0.0.1:$REPLICA_PORT is taken by something that is not a standby of this primary (it answers: ${STATE:-no PostgreSQL})."
  echo "replica already running on 127.0.0.1:$REPLICA_PORT ($REPLICA_DIR)."
  exit 0
fi

# --- A fresh base backup, configured as a hot standby on REPLICA_PORT -----------------------------------
stop_ours  # a data directory left by a run that stopped: its WAL position may be gone from the primary
mkdir -m 700 "$REPLICA_DIR"
chown postgres:postgres "$REPLICA_DIR"
# -R writes primary_conninfo and standby.signal; -X stream carries the WAL written during the copy; -c fast
# checkpoints at once instead of spreading it over minutes. --no-sync: a throwaway copy.
as_postgres "$BIN/pg_basebackup" -d "host=127.0.0.1 port=$PRIMARY_PORT user=postgres application_name=gridgov_replica" \
  -D "$REPLICA_DIR" -R -X stream -c fast --no-sync 9>&- >"/tmp/gridgov-replica-$REPLICA_PORT.basebackup.log" 2>&1 ||
  die "pg_basebackup failed: $(tail -5 "/tmp/gridgov-replica-$REPLICA_PORT.basebackup.log")"
touch "$REPLICA_DIR/$MARKER"
# The whole cluster is copied (physical replication knows no databases): its size sets the time.
echo "base backup of the primary's cluster ($(du -sh "$REPLICA_DIR" | cut -f1)) in ${SECONDS} s"
# Debian keeps the primary's configuration in /etc, outside the copied data directory: the standby's own.
# A hot standby needs these limits at least as high as the primary's, or it stops replaying.
primary -F ' = ' -c "select name, setting from pg_settings where name in ('max_connections',
  'max_prepared_transactions', 'max_locks_per_transaction', 'max_wal_senders', 'max_worker_processes')" \
  > "$REPLICA_DIR/limits.conf"
cat > "$REPLICA_DIR/postgresql.conf" <<EOF
# GridGov's local replica (deploy/replica/start-local.sh); primary_conninfo is in postgresql.auto.conf.
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
hot_standby = on
hot_standby_feedback = on  # the primary's vacuum waits for the standby's reads instead of cancelling them
fsync = off  # a throwaway copy, made afresh after any stop: no need to wait for the disk
shared_buffers = 32MB
timezone = 'Etc/UTC'
datestyle = 'iso, mdy'
cluster_name = 'gridgov-replica-$REPLICA_PORT'
include = 'limits.conf'
EOF
cat > "$REPLICA_DIR/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
: > "$REPLICA_DIR/pg_ident.conf"
chown postgres:postgres "$REPLICA_DIR"/*.conf "$REPLICA_DIR/$MARKER"

# 9>&-: the server must not inherit the lock above, or it holds it for as long as it runs.
as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/server.log" -w -t 180 start >/dev/null 9>&- ||
  die "the replica did not start: $(tail -5 "$REPLICA_DIR/server.log")"
# Started is not streaming yet: wait for the WAL receiver to connect to the primary.
for _ in $(seq 100); do
  [ "$(replica -c 'select status from pg_stat_wal_receiver' 2>/dev/null)" = streaming ] && {
    echo "replica of 127.0.0.1:$PRIMARY_PORT streaming on 127.0.0.1:$REPLICA_PORT (data: $REPLICA_DIR), ${SECONDS} s."
    exit 0
  }
  sleep 0.2
done
die "the replica started but is not streaming 20 s later: $(tail -5 "$REPLICA_DIR/server.log")"
