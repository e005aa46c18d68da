"""The written-reason rule as a WTForms validator, so forms check a reason the way services do."""

from __future__ import annotations

from typing import Any

from wtforms import Field
from wtforms.validators import StopValidation

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reasons import REASON_MAX, REASON_MIN, written_reason


class WrittenReason:
    """Refuses what domain.reasons.written_reason refuses, with the same message.

    Its flags render required, minlength and maxlength on the field, so the browser's limits are
    the domain's own.
    """

    field_flags = {"required": True, "minlength": REASON_MIN, "maxlength": REASON_MAX}

    def __call__(self, form: Any, field: Field) -> None:
        try:
            written_reason(field.data or "", field=field.name)
        except InvalidInput as exc:
            raise StopValidation(exc.message) from None
