"""Writes to the tree and to memberships. Boundary import and grid adjustment live in boundaries.py."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Area, Membership, Role, User
from .scope import forget_reach


@transaction.atomic
def membership_grant(*, user: User, role: str, area: Area, department=None) -> Membership:
    """Give a user a role in an area (idempotent: an existing membership is re-activated)."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    lookup = {"user": user, "role": role, "area": area, "department": department}
    membership = Membership.objects.filter(**lookup).first() or Membership(**lookup)
    membership.is_active = True
    membership.full_clean(validate_unique=False)
    membership.save()
    forget_reach(user)
    return membership
