"""Running calls in threads at the same moment, for the PostgreSQL row-lock tests."""

import threading

from django.db import connection


def run_together(*calls, timeout=60):
    """Start every call at once (a barrier), each on its own connection; return
    [("ok", value) | ("error", exc)]."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def runner(i, call):
        barrier.wait()
        try:
            results[i] = ("ok", call())
        except Exception as exc:  # each thread's outcome is the assertion's subject
            results[i] = ("error", exc)
        finally:
            connection.close()  # each thread has its own connection; leave none open for teardown

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
