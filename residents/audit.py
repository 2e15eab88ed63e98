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


def heads() -> dict[str, tuple[int, str]]:
    """Each chain's sealed head (last seq, hash): written to the application log nightly as a checkpoint
    outside the database, so a table rolled back or emptied together with its head shows against it."""
    found = {}
    for chain, (_, head_model) in CHAINS.items():
        head = head_model.objects.filter(chain=chain).first()
        found[chain] = (head.seq, head.hash) if head else (0, "")
    return found
