"""Form pieces every area shares: the rupiah input.

:class:`RupiahField` is the one WTForms field for money, built on :func:`coop.money.parse_rupiah` (the one
parser of amounts typed as on a receipt); every money input of an HTML form uses it.
(The JSON API takes money as integers: ``coop.web.fields.Money``.)
"""
from __future__ import annotations

from flask_babel import gettext
from wtforms import StringField
from wtforms.validators import StopValidation

from coop.money import (  # noqa: F401  (re-exported for the forms)
    MAX_RUPIAH,
    RupiahInputError,
    format_rupiah_input,
    parse_rupiah,
)


class RupiahField(StringField):
    """A money input: whole rupiah typed as on a receipt (see :func:`parse_rupiah`), shown back as
    ``1.250.000``; a text input with ``inputmode="numeric"`` so a phone shows the number pad (not
    ``type="number"``, which would refuse the dots).

    ``empty``: the value of a blank input (``None``: combine with ``InputRequired`` or ``Optional``; ``0``
    for inputs where blank means nothing, e.g. a journal line's debit; such a field shows 0 as blank).
    Lower bounds belong in validators (``NumberRange(min=1, message=...)``); the parser refuses a minus
    unless ``allow_negative`` and anything above ``maximum``.
    """

    def __init__(self, label=None, validators=None, *, empty: int | None = None, allow_negative: bool = False,
                 maximum: int = MAX_RUPIAH, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.empty = empty
        self.allow_negative = allow_negative
        self.maximum = maximum

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            value = parse_rupiah(valuelist[0], allow_negative=self.allow_negative, maximum=self.maximum)
        except RupiahInputError as exc:
            self.data = None
            raise ValueError(gettext(exc.message, **exc.params)) from None
        self.data = self.empty if value is None else value

    def pre_validate(self, form):
        if self.process_errors:
            # Not an amount: the parser's message is the one error (a NumberRange after it would add a
            # misleading "must be more than zero" about an amount nobody typed).
            raise StopValidation()
        # InputRequired lets "   " through (it only looks at the raw text); blank is no amount either.
        if self.data is None and self.flags.required:
            raise StopValidation(gettext("Wajib diisi."))

    def _value(self):
        if self.process_errors and self.raw_data:
            return self.raw_data[0]  # show back what was typed, next to the error
        if self.data is None or (self.empty is not None and self.data == self.empty):
            return ""
        if isinstance(self.data, bool) or not isinstance(self.data, int):
            return str(self.data)
        return format_rupiah_input(self.data)
