"""The chained access logs of personal information (this app's reveals and exports, and the command app's
patrol-track looks) and their check, for ``verify_access_logs`` and the daily beat task."""

from command.models import TRACK_LOG_CHAIN, TrackAccessLog, TrackAccessLogHead
from gridgov import audit_chain

from .models import PII_LOG_CHAIN, PiiAccessLog, PiiAccessLogHead

CHAINS = {
    PII_LOG_CHAIN: (PiiAccessLog, PiiAccessLogHead),
    TRACK_LOG_CHAIN: (TrackAccessLog, TrackAccessLogHead),
}


def access_log_breaks(chains=None) -> list[audit_chain.Break]:
    """Every break in the named chains (default: all), in chain and seq order."""
    breaks = []
    for chain in chains or CHAINS:
        model, head = CHAINS[chain]
        breaks += audit_chain.verify(model, head_model=head, chain=chain)
    return breaks
