"""Register imports as jobs: the upload saved, the import queued for a worker (``tasks.run_import``).

Separate from ``imports`` (which the task runs) so that queueing imports the task module at the top and
the task module imports the importer, one way.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.stored_files import file_written, files_removed_on_failure
from grids.models import Area

from . import access
from .models import ImportJob
from .tasks import run_import


@files_removed_on_failure()
@transaction.atomic
def import_start(*, actor, area: Area, file) -> ImportJob:
    """Save the upload and queue the import (it runs in a worker after this transaction commits)."""
    if not access.can_write(actor, area.code):
        raise PermissionDenied(_("You may not change the register of this area."))
    job = ImportJob(area=area, actor=actor, file_name=file.name[:200])
    job.file.save(file.name, file, save=False)
    file_written(job.file)
    job.save()
    transaction.on_commit(lambda: run_import.delay(job.id))
    return job
