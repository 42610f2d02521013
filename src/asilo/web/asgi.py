"""ASGI entry point (for an ASGI server; `asilo serve` uses gunicorn with WSGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asilo.web.settings")
application = get_asgi_application()
