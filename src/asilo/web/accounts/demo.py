"""Staff members of the demo data."""

from __future__ import annotations

from asilo.web.accounts.models import User


def demo_staff(username: str, role: str) -> User:
    """The demo's staff member ``username`` with ``role``, created on first use without a
    password (nobody signs in as a demo member with a password)."""
    user, created = User.objects.get_or_create(username=username, defaults={"role": role})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
