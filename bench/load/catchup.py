"""After a load run with the broker stopped part-way (bench/load/run.sh with OUTAGE_AT): how long the side
effects take to catch up once the broker is back, by what the outbox and the records still owe.

    python bench/load/catchup.py --since 2026-12-05T10:00:00+00:00 --timeout 600

Owed: notification deliveries and webhook deliveries still pending, and evaluation records missing or older
than their case's last change (assessment's catch-up rebuilds them) among cases changed since ``--since``.
Prints one line every 10 s and the seconds until nothing is owed; exits 1 if something is still owed at the
timeout.
"""

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

import django  # noqa: E402

django.setup()

from django.db.models import F, Q  # noqa: E402

from cases.models import Case  # noqa: E402
from dispatch.models import DeliveryStatus, NotificationDelivery  # noqa: E402
from intake.models import WebhookDelivery, WebhookStatus  # noqa: E402


def owed(since) -> dict[str, int]:
    changed = Case.objects.filter(updated_at__gte=since)
    return {
        "notifications": NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING).count(),
        "webhooks": WebhookDelivery.objects.filter(status=WebhookStatus.PENDING).count(),
        "records": changed.filter(Q(record__isnull=True) | Q(record__built_at__lt=F("updated_at"))).count(),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--since", required=True, type=datetime.fromisoformat)
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args()
    start = time.monotonic()
    while True:
        now = owed(args.since)
        waited = time.monotonic() - start
        print(f"{waited:6.0f} s  owed: {now}", flush=True)
        if not any(now.values()):
            print(f"caught up after {waited:.0f} s")
            return 0
        if waited > args.timeout:
            print(f"still owed after {args.timeout} s")
            return 1
        time.sleep(10)


if __name__ == "__main__":
    sys.exit(main())
