"""WSGI entry point (gunicorn in production).

Each worker imports it after the fork and, once the application is loaded, builds its
identity matcher in a background thread ("seen before" at record time,
:func:`asilo.web.identity.matching.warm_up`), so that no request pays for decrypting every
stored record. ``ASILO_IDENTITY_WARM_UP=0`` leaves it to the first look-up.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asilo.web.settings")
application = get_wsgi_application()

if os.environ.get("ASILO_IDENTITY_WARM_UP", "1") != "0":
    from asilo.web.identity.matching import warm_up

    warm_up()
