"""Encrypted fields never hand back ciphertext as if it were a value.

django-fernet-encrypted-fields returns the stored text unchanged when it cannot decrypt it
(a new ``ASILO_SECRET_KEY`` without the old one in ``ASILO_SECRET_KEY_FALLBACKS``, or a
different salt): the API then answered a name with the ciphertext. Reading such a value from
the database now raises :class:`Undecryptable` (a 500 whose message says what to check; the
value is never shown or logged).
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedFieldMixin, EncryptedJSONField

from asilo.web.core.errors import DomainError, ErrorCode


class UndecryptableCode(ErrorCode):
    UNDECRYPTABLE = (
        "undecryptable",
        _(
            "Stored data could not be decrypted with this server's key and salt "
            "(ASILO_SECRET_KEY, ASILO_SECRET_KEY_FALLBACKS, ASILO_FIELD_ENCRYPTION_SALT). "
            "Nothing was shown."
        ),
        500,
    )


class Undecryptable(DomainError):
    def __init__(self, field: str | None = None) -> None:
        super().__init__(UndecryptableCode.UNDECRYPTABLE, field)


def _strict_from_db_value(self: Any, value: Any, expression: Any, connection: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    try:
        plain = self.f.decrypt(value.encode("utf-8")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError, ValueError):
        raise Undecryptable(getattr(self, "name", None)) from None
    return super(EncryptedFieldMixin, self).to_python(plain)


_installed = False


def refuse_undecryptable_values() -> None:
    """Make every encrypted field refuse a stored value it cannot decrypt (once)."""
    global _installed
    if _installed:
        return
    json_original = EncryptedJSONField.from_db_value
    EncryptedFieldMixin.from_db_value = _strict_from_db_value
    EncryptedJSONField.from_db_value = json_original
    _installed = True
