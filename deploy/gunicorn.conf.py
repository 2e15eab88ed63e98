"""gunicorn for GridGov: every knob from the environment, safe defaults for a 2–8 core server.

Threads (gthread) rather than more processes: a request mostly waits on PostgreSQL, and each process
keeps its own in-memory grid index (grids/spatial.py), so fewer processes with a few threads each use
less memory for the same throughput. Each thread holds one database connection (CONN_MAX_AGE):
workers × threads per container must stay under PostgreSQL's max_connections.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A photo upload from a phone on a weak signal takes a while; anything longer is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Keep idle connections longer than whatever sits in front closes them (nginx's upstream keepalive_timeout
# 60 s, a cloud load balancer's 60 s idle timeout): the side that closes first can race a request being
# sent on the same connection, and the client sees a reset. At 5 s the load test lost 1–5 requests of
# 5,000 that way past saturation; at 75 s none (bench/README.md, "Load test").
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))

# Recycle workers now and then so a slow leak never becomes an outage; jitter keeps them from
# restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# Docker's /tmp may sit on an overlay filesystem; the heartbeat file belongs in memory.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Trust X-Forwarded-* only from the reverse proxy in front (set it to the proxy's address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "gridgov-web"


def child_exit(server, worker):
    """prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, gridgov/observability.py): a dead
    worker's live gauges are dropped; its counters and histograms stay summed in the directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
