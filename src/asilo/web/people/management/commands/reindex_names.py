"""``manage.py reindex_names``: rebuild the blind name index after rotating ``SECRET_KEY``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from asilo.web.people.services import people_reindex_all_names


class Command(BaseCommand):
    help = "Rebuild every person's name index (run after rotating ASILO_SECRET_KEY)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = people_reindex_all_names()
        self.stdout.write(f"Name index rebuilt for {count} people.")
