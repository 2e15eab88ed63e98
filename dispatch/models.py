"""The command centre: departments (职能部门) and, in later modules, routing, calendar and escalation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The area the department belongs to (normally the district) and the subtrees it serves.
    area = models.ForeignKey("grids.Area", on_delete=models.PROTECT, related_name="departments")
    covered_areas = models.ManyToManyField("grids.Area", related_name="covering_departments", blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self):
        return self.name
