"""The demo data: users of every role, organisations, reference data, then each app's demo.

``load_demo(stdout)`` is idempotent: run it again and nothing is duplicated; the demo
accounts get their printed passwords back. After the platform's own data it runs, in
``INSTALLED_APPS`` order, the ``load()`` of every ``asilo.web.<app>.demo`` module that
exists, then every callable appended to :data:`DEMO_LOADERS`.

The demo passwords are public: the demo runs only without ``ASILO_SECRET_KEY``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from django.apps import apps
from django.db import transaction

from asilo.web.accounts.models import ApiToken, Organisation, User
from asilo.web.accounts.services import is_staff_role, user_create
from asilo.web.audit.models import AuditEntry
from asilo.web.core.roles import Role
from asilo.web.reference.models import FieldOffice, PortOfEntry, Sector
from asilo.web.reference.seed import load as load_reference

#: Extra demo loaders (called with no arguments, after the apps' own ``demo.load``).
DEMO_LOADERS: list[Callable[[], Any]] = []


def live_day() -> Any:
    """Today's encounters under today's rules, beside the replayed days (issue 8)."""
    from asilo.web.encounters.demo_live import load

    return load()


DEMO_LOADERS.append(live_day)

ORGANISATIONS = ("Casa del Migrante (demo)", "Asistencia Legal Matamoros (demo)")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    password: str
    organisation: str | None = None


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo.officer", Role.OFFICER, "officer-demo-2022"),
    DemoAccount("demo.supervisor", Role.SUPERVISOR, "supervisor-demo-2022"),
    DemoAccount("demo.caseworker", Role.CASEWORKER, "caseworker-demo-2022", ORGANISATIONS[0]),
    DemoAccount("demo.analyst", Role.ANALYST, "analyst-demo-2022"),
    DemoAccount("demo.auditor", Role.AUDITOR, "auditor-demo-2022"),
    DemoAccount("demo.admin", Role.ADMIN, "admin-demo-2022"),
)


def ensure_account(account: DemoAccount) -> User:
    """The demo account, created or put back to its role, organisation and password."""
    with transaction.atomic():
        user = User.objects.filter(username=account.username).first()
        if user is None:
            return user_create(
                actor=None,
                username=account.username,
                role=account.role,
                organisation=account.organisation,
                password=account.password,
                validate_password=False,
            )
        org = None
        if account.organisation:
            org, _created = Organisation.objects.get_or_create(name=account.organisation)
        user.role = account.role
        user.organisation = org
        user.is_active = True
        user.is_staff = is_staff_role(account.role)
        user.is_superuser = False
        if not user.check_password(account.password):
            user.set_password(account.password)
        user.save()
        return user


def load_platform() -> list[User]:
    """Organisations, demo accounts and reference data."""
    for name in ORGANISATIONS:
        Organisation.objects.get_or_create(name=name)
    users = [ensure_account(a) for a in DEMO_ACCOUNTS]
    load_reference(Sector, FieldOffice, PortOfEntry)
    return users


def app_loaders() -> list[tuple[str, Callable[[], Any]]]:
    """``load`` of each installed ``asilo.web.<app>.demo`` module, in INSTALLED_APPS order."""
    found: list[tuple[str, Callable[[], Any]]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("asilo.web.") or config.name.endswith(".reference"):
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        loader = getattr(module, "load", None)
        if callable(loader):
            found.append((module_name, loader))
    return found


def load_demo(stdout: TextIO) -> bool:
    """Load everything; report on ``stdout``. False when an app's loader failed."""
    load_platform()
    stdout.write("Demo data: accounts, organisations and reference data ready.\n")
    ok = True
    loaders = [*app_loaders(), *((f"{f.__module__}.{f.__name__}", f) for f in DEMO_LOADERS)]
    for name, loader in loaders:
        try:
            result = loader()
        except Exception as exc:  # report and carry on: the platform's demo is still usable
            ok = False
            stdout.write(f"Demo loader {name} failed: {type(exc).__name__}: {exc}\n")
            continue
        stdout.write(f"Demo loader {name}: {result if result is not None else 'done'}\n")
    return ok


def accounts_table() -> str:
    """The demo accounts, to print when the demo starts."""
    width = max(len(a.username) for a in DEMO_ACCOUNTS)
    lines = ["Demo accounts (public passwords; demo only):"]
    for a in DEMO_ACCOUNTS:
        org = f"  [{a.organisation}]" if a.organisation else ""
        lines.append(f"  {a.username:<{width}}  {a.password:<22} {a.role.label}{org}")
    return "\n".join(lines)


DEMO_PREFIX = "demo."


def demo_residue() -> list[str]:
    """What of the demo is in this database (accounts, their tokens, organisations, data the
    demo accounts wrote): a production server refuses to start while anything is listed."""
    found: list[str] = []
    accounts = User.objects.filter(username__startswith=DEMO_PREFIX)
    if n := accounts.count():
        found.append(f"{n} demo account(s) (demo.*, with published passwords)")
    if n := ApiToken.objects.filter(user__username__startswith=DEMO_PREFIX).count():
        found.append(f"{n} API token(s) of demo accounts")
    if n := Organisation.objects.filter(name__in=ORGANISATIONS).count():
        found.append(f"{n} demo organisation(s)")
    written = AuditEntry.objects.filter(
        actor_username__startswith=DEMO_PREFIX, action__in=["create", "decide", "allocate"]
    )
    if written.exists():
        found.append("records written by demo accounts (see the audit trail)")
    return found
