"""Append to and verify a keyed hash chain kept in one table, with its head sealed in a separate row.

A chained table has ``seq`` (1, 2, 3, ... without gaps), ``prev_hash``, ``hash`` and ``key_id`` columns and
a ``chain_content()`` method giving the row's audited fields; its head model holds one row per chain with
the last ``seq`` and ``hash`` and a ``mac`` sealing both. Each link's hash covers the chain name, the seq,
the predecessor's hash and the content (gridgov/audit_hash.py), so

* an edited row no longer matches its hash;
* a deleted row leaves a gap in ``seq`` (and its successor points at a hash nobody has);
* a deleted last row leaves the head ahead of the table, and re-sealing the head needs the key;
* an inserted row either breaks the numbering or hangs after the head;
* a chain rebuilt without the key (or checked with the wrong one) matches nowhere.

Appends lock the head row, so concurrent writers take turns and the numbering has no holes.
"""

from dataclasses import dataclass

from django.db import models, transaction
from django.utils.ipv6 import clean_ipv6_address

from . import audit_hash


@dataclass(frozen=True)
class Break:
    """One thing wrong with a chain, located by seq (and row id where a row exists)."""

    chain: str
    # altered | missing | relinked | unknown_key | head_missing | head_seal | tail_missing | after_head
    kind: str
    seq: int | None
    pk: int | None
    detail: str

    def __str__(self):
        where = f"#{self.seq}" if self.seq is not None else "head"
        row = f" (row id {self.pk})" if self.pk is not None else ""
        return f"{self.chain} {where}{row}: {self.kind}: {self.detail}"


def ip_text(value) -> str | None:
    """An address as the database keeps it (IPv6 compressed), so a row hashes the same before and after."""
    if not value:
        return None
    return clean_ipv6_address(value) if ":" in value else value


def _locked_head(head_model, chain: str):
    head = head_model.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        # The migration creates the head; this covers a database built otherwise (first append only).
        # Insert-or-nothing, so simultaneous first appends create one head and then take turns at it.
        head_model.objects.bulk_create([head_model(chain=chain, **empty_head(chain))], ignore_conflicts=True)
        head = head_model.objects.select_for_update().get(chain=chain)
    return head


def empty_head(chain: str) -> dict:
    """The sealed head of a chain with no rows (migrations create it; a reset head must still be sealed)."""
    key_id = audit_hash.current_key_id()
    return {"seq": 0, "hash": "", "key_id": key_id, "mac": audit_hash.head_mac(key_id, chain, 0, "")}


def append(row, *, head_model, chain: str, write) -> None:
    """Number, link and hash ``row``, write it with ``write()``, and move the sealed head, atomically."""
    append_many([row], head_model=head_model, chain=chain, write=write)


def append_many(rows, *, head_model, chain: str, write) -> None:
    """``append`` for several rows written by one ``write()`` (a bulk insert): three queries in all."""
    # No savepoint: a failed log write must undo the caller's whole transaction (no look without its row).
    with transaction.atomic(savepoint=False):
        head = _locked_head(head_model, chain)
        key_id = audit_hash.current_key_id()
        seq, last = head.seq, head.hash
        for row in rows:
            seq += 1
            row.seq, row.prev_hash, row.key_id = seq, last, key_id
            row.hash = last = audit_hash.link_hash(key_id, chain, seq, row.prev_hash, row.chain_content())
        write()
        head_model.objects.filter(chain=chain).update(
            seq=seq, hash=last, key_id=key_id, mac=audit_hash.head_mac(key_id, chain, seq, last)
        )


def verify(model, *, head_model, chain: str, chunk_size=2000) -> list[Break]:
    """Every break in the chain, in seq order, then what is wrong with its head; [] when it verifies."""
    breaks = []
    prev_seq, prev_hash = 0, ""
    for row in model.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if row.seq != prev_seq + 1:
            first, last = prev_seq + 1, row.seq - 1
            gone = f"#{first}" if first == last else f"#{first}..#{last}"
            breaks.append(Break(chain, "missing", row.seq, row.pk, f"row(s) {gone} are gone"))
        elif not audit_hash.same(row.prev_hash, prev_hash):
            breaks.append(
                Break(chain, "relinked", row.seq, row.pk, "does not point at its predecessor's hash")
            )
        try:
            expected = audit_hash.link_hash(row.key_id, chain, row.seq, row.prev_hash, row.chain_content())
        except audit_hash.UnknownKey:
            breaks.append(
                Break(chain, "unknown_key", row.seq, row.pk, f"key id {row.key_id!r} is not configured")
            )
        else:
            if not audit_hash.same(expected, row.hash):
                breaks.append(Break(chain, "altered", row.seq, row.pk, "content does not match its hash"))
        prev_seq, prev_hash = row.seq, row.hash
    head = head_model.objects.filter(chain=chain).first()
    if head is None:
        if prev_seq:
            breaks.append(Break(chain, "head_missing", None, None, "the chain's head row is gone"))
        return breaks
    try:
        sealed = audit_hash.same(audit_hash.head_mac(head.key_id, chain, head.seq, head.hash), head.mac)
    except audit_hash.UnknownKey:
        sealed = False
    if not sealed:
        breaks.append(
            Break(chain, "head_seal", None, None, "the head's seal does not match (rewritten head)")
        )
    if head.seq > prev_seq:
        breaks.append(
            Break(
                chain,
                "tail_missing",
                head.seq,
                None,
                f"the head says #{head.seq}, the table ends at #{prev_seq}",
            )
        )
    elif head.seq < prev_seq:
        breaks.append(Break(chain, "after_head", prev_seq, None, f"rows after the head's #{head.seq}"))
    elif not audit_hash.same(head.hash, prev_hash):
        breaks.append(
            Break(chain, "tail_missing", head.seq, None, "the last row is not the one the head sealed")
        )
    return breaks


# The chained logs, registered by the apps that own them (next to their models): the check and the nightly
# checkpoint walk this table, so no app needs to import another's log.
CHAINS: dict[str, tuple] = {}


def register(chain: str, model, head_model) -> None:
    CHAINS[chain] = (model, head_model)
    model.chain_name, model.chain_head_model = chain, head_model


class ChainedLogQuerySet(models.QuerySet):
    """Refuses updates and deletes; a bulk insert is numbered, linked and hashed like ``save()``, in one turn
    at the chain's head."""

    def update(self, **kwargs):
        raise PermissionError(self.model.append_only_message)

    def delete(self):
        raise PermissionError(self.model.append_only_message)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if objs:
            append_many(
                objs,
                head_model=self.model.chain_head_model,
                chain=self.model.chain_name,
                write=lambda: super(ChainedLogQuerySet, self).bulk_create(objs, *args, **kwargs),
            )
        return objs


class ChainHead(models.Model):
    """The sealed head of one chain: its last ``seq`` and ``hash``, and the ``mac`` sealing both under the
    key ``key_id``. A concrete head names itself (``verbose_name``) and is ``register``ed with its log."""

    chain = models.CharField(max_length=32, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=32, blank=True)
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True


class ChainedLog(models.Model):
    """An append-only log chained in its table: the columns, the manager and the writes every chained log
    shares. A concrete log gives ``chain_content()`` and ``append_only_message`` and is ``register``ed
    with its head model (which sets ``chain_name`` and ``chain_head_model``)."""

    chain_name: str
    chain_head_model: type
    append_only_message = "This log is append-only."

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    key_id = models.CharField(max_length=32, editable=False)

    objects = ChainedLogQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(self.append_only_message)
        append(
            self,
            head_model=self.chain_head_model,
            chain=self.chain_name,
            write=lambda: super(ChainedLog, self).save(*args, **kwargs),
        )

    def delete(self, *args, **kwargs):
        raise PermissionError(self.append_only_message)


def breaks(chains=None) -> list[Break]:
    """Every break in the named chains (default: all registered), in chain and seq order."""
    found: list[Break] = []
    for chain in chains or CHAINS:
        model, head_model = CHAINS[chain]
        found += verify(model, head_model=head_model, chain=chain)
    return found


def heads() -> dict[str, tuple[int, str]]:
    """Each chain's sealed head (last seq, hash): written to the application log nightly as a checkpoint
    outside the database, so a table rolled back or emptied together with its head shows against it."""
    found = {}
    for chain, (_model, head_model) in CHAINS.items():
        head = head_model.objects.filter(chain=chain).first()
        found[chain] = (head.seq, head.hash) if head else (0, "")
    return found
