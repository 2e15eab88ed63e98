"""Demo alert subscriptions (issue 24 §1): a few citizens of the first community (whose staff log in with the
demo) follow their community, a grid and an open report, by SMS or e-mail; one has unsubscribed and one
e-mail address is not checked yet, so the centre's page and the admin show each state."""

import random
from datetime import timedelta

from django.utils import timezone

from grids.models import Area, Level

from .models import AlertSubscription
from .selectors import published_cases

Channel = AlertSubscription.Channel


def load(*, district, seed, stdout, **options):
    rng = random.Random(f"open311-{seed}")
    grids = list(
        Area.objects.filter(code__startswith=district.code, level=Level.GRID, is_active=True)
        .order_by("code")
        .values_list("pk", "code")[:40]
    )
    if not grids:
        stdout.write("alerts: no grids, no subscriptions")
        return
    community_code = grids[0][1][:12]
    community = Area.objects.filter(code=community_code, level=Level.COMMUNITY).first()
    own_grids = [pk for pk, code in grids if code.startswith(community_code)]
    report = (
        published_cases()
        .filter(
            area_code__startswith=community_code, status__in=["reported", "filed", "dispatched", "accepted"]
        )
        .order_by("-pk")
        .only("pk")
        .first()
    )
    now = timezone.now()
    rows = []
    for n in range(6):
        sms = n % 2 == 0
        area_id = (community.pk if community else own_grids[0]) if n < 3 else rng.choice(own_grids)
        rows.append(
            AlertSubscription(
                channel=Channel.SMS if sms else Channel.EMAIL,
                contact=f"1390000{rng.randrange(10000):04d}" if sms else f"resident{n + 1}@example.org",
                area_id=area_id,
                verified_at=now - timedelta(days=n + 1),
                digest_from=now - timedelta(hours=rng.randrange(1, 24)),
                ended_at=now - timedelta(hours=2) if n == 5 else None,  # one has unsubscribed
            )
        )
    rows.append(  # an e-mail address not checked yet: it counts for nothing until its link is opened
        AlertSubscription(
            channel=Channel.EMAIL, contact="newcomer@example.org", area_id=own_grids[0], digest_from=now
        )
    )
    if report is not None:
        rows.append(
            AlertSubscription(
                channel=Channel.SMS, contact="13900008888", case=report, verified_at=now, digest_from=now
            )
        )
    AlertSubscription.objects.bulk_create(rows)
    stdout.write(f"alerts: {len(rows)} subscriptions in community {community_code}")
