"""The forecast package's one error shape: bad input that names the part at fault."""

from __future__ import annotations


class FieldError(ValueError):
    """Bad input; ``field`` names the option, file, key or column at fault (the message starts
    with it)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
