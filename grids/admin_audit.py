"""Admin changes to the organisation (users, memberships, departments, routing rules) written to
``AdminChange``, append-only, with each changed field's value before and after.

``save_model`` and ``save_related`` (public ModelAdmin hooks) read the change form and its inlines' forms
before they save; ``log_addition``, ``log_change`` and ``log_deletions``, which the admin calls for every
add, change (the password form's too) and delete (the bulk action's too), write the row.
"""

from django.db import models

from .models import AdminChange

HIDDEN = "password"  # never a hash nor a new password: fields whose name holds this are recorded as "***"


def _plain(value):
    """A JSON value for a field's value: objects by primary key, sets sorted, the rest as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(_plain(item) for item in value)
    return str(value)


def form_changes(form) -> dict:
    changes = {}
    for name in form.changed_data:
        if HIDDEN in name:
            changes[name] = ["***", "***"]
        else:
            changes[name] = [_plain(form.initial.get(name)), _plain(form.cleaned_data.get(name))]
    return changes


def snapshot(obj) -> dict:
    """Every concrete field's value (password hidden): an addition's "after", a deletion's "before"."""
    return {
        field.name: "***" if HIDDEN in field.name else _plain(field.value_from_object(obj))
        for field in obj._meta.concrete_fields
    }


def _label(obj) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(request, obj, action, changes, note=""):
    user = request.user
    AdminChange.objects.create(
        actor=user if user.is_authenticated else None,
        actor_username=user.get_username() if user.is_authenticated else "",
        action=action,
        model=_label(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes,
        note=str(note)[:2000],
    )


class AuditedAdminMixin:
    """Put before ``admin.ModelAdmin`` (or ``UserAdmin``) in the bases of the audited admins."""

    def save_model(self, request, obj, form, change):
        obj.admin_audit_changes = form_changes(form) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        inline = {}
        for formset in formsets:
            for inline_form in formset.forms:
                if inline_form.has_changed() or inline_form in getattr(formset, "deleted_forms", []):
                    key = f"{_label(inline_form.instance)}:{inline_form.instance.pk or 'new'}"
                    inline[key] = form_changes(inline_form)
        super().save_related(request, form, formsets, change)
        if inline:
            form.instance.admin_audit_changes = {
                **getattr(form.instance, "admin_audit_changes", {}),
                **inline,
            }

    def log_addition(self, request, obj, message):
        record(
            request, obj, AdminChange.Action.ADD, {k: [None, v] for k, v in snapshot(obj).items()}, message
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        changes = getattr(obj, "admin_audit_changes", None)
        if changes is None:  # the user admin's password form: only the (hidden) password changed
            changes = {"password": ["***", "***"]}
        record(request, obj, AdminChange.Action.CHANGE, changes, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            record(request, obj, AdminChange.Action.DELETE, {k: [v, None] for k, v in snapshot(obj).items()})
        return super().log_deletions(request, queryset)
