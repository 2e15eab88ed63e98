from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import spatial
from .models import Area, BoundaryRevision


@receiver(post_save, sender=Area)
@receiver(post_delete, sender=Area)
def boundaries_changed(sender, instance, **kwargs):
    # Bulk loaders (load_demo) bump once themselves; every save or retire here bumps the revision so
    # each process's spatial index is rebuilt on its next lookup.
    spatial.invalidate()
    transaction.on_commit(BoundaryRevision.bump)
