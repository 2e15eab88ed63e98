#!/usr/bin/env bash
# Every benchmark's --quick run (a few thousand rows each, well under a minute on a quiet machine), one after
# another, so a bench that breaks fails CI. Bars are not enforced in --quick; a crash is a failure.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridgov bench/quick.sh
#
# The benches drop and recreate their database: they get a throwaway one beside DATABASE_URL's, named
# <its name>_bench (dropped again at the end), never DATABASE_URL's own.
set -euo pipefail
cd "$(dirname "$0")/.."

url=${DATABASE_URL:-}
case "$url" in
  postgres://*/* | postgresql://*/*) ;;
  *) echo "Set DATABASE_URL to a PostgreSQL database; the benches use <its name>_bench beside it." >&2; exit 2 ;;
esac
server=${url%/*}
name=${url##*/}
name=${name%%\?*}
export DATABASE_URL="$server/${name}_bench"
export DEBUG=0
export GRIDGOV_VAR_DIR=${GRIDGOV_VAR_DIR:-$(mktemp -d /tmp/gridgov-bench-quick.XXXXXX)}
python=${GRIDGOV_VENV:-.venv}/bin/python
[ -x "$python" ] || python=python

drop() { psql "$server/postgres" -q -c "DROP DATABASE IF EXISTS \"${name}_bench\" WITH (FORCE)" >/dev/null 2>&1 || true; }
trap drop EXIT

failed=()
for bench in bench_cases bench_sweep bench_grids bench_assessment bench_open311 bench_command bench_residents bench_outbox bench_tasks bench_basemap bench_points bench_screen bench_risk bench_duty bench_offline bench_public bench_export; do
  echo "=== $bench --quick ==="
  started=$SECONDS
  if "$python" "bench/$bench.py" --quick; then
    echo "--- $bench: ran in $((SECONDS - started)) s"
  else
    echo "--- $bench: FAILED after $((SECONDS - started)) s"
    failed+=("$bench")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "benches that failed: ${failed[*]}"
  exit 1
fi
echo "every bench ran end to end"
