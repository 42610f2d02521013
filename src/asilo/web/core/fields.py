"""Fields the apps share: the staff member who did something, and encrypted fields that never
hand back ciphertext as if it were a value.

:func:`staff_member` is the one declaration of "who recorded / decided / closed this": a
foreign key to the user that keeps the record's author as long as the record (``PROTECT``:
users are deactivated, never deleted) and adds no reverse accessor to the user.

django-fernet-encrypted-fields returns the stored text unchanged when it cannot decrypt it
(a new ``ASILO_SECRET_KEY`` without the old one in ``ASILO_SECRET_KEY_FALLBACKS``, or a
different salt): the API then answered a name with the ciphertext. Reading such a value from
the database now raises :class:`Undecryptable` (a 500 whose message says what to check; the
value is never shown or logged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedFieldMixin, EncryptedJSONField

from asilo.web.core.errors import DomainError, ErrorCode

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    from asilo.web.accounts.models import User


@overload
def staff_member(
    *, null: Literal[False] = False, **options: Any
) -> models.ForeignKey[User | Combinable, User]: ...


@overload
def staff_member(
    *, null: Literal[True], **options: Any
) -> models.ForeignKey[User | Combinable | None, User | None]: ...


def staff_member(*, null: bool = False, **options: Any) -> models.ForeignKey[Any, Any]:
    """The staff member who did something to the record; ``null`` until someone has (with
    ``blank`` where forms may leave it empty). Other options as Django's (``verbose_name``)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=null, related_name="+", **options
    )


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
