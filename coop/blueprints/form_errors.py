"""The error summary every form page shows at the top (issue 15, item 2).

Done once, in ``base.html``: :func:`form_error_summary` looks at the template's context for WTForms forms
(also a dict of forms, as the cash desk's member page has one per account and action) and lists each
field's errors with the field's label and id, so the page can link to it. ``coop.js`` moves the focus to
the summary: a refused withdrawal on a phone is seen at the top of the screen, not 800 px below.
"""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import pass_context
from wtforms import Form

#: Field types with no visible input to link to (their error is still listed).
_HIDDEN = ("HiddenField", "CSRFTokenField")


@dataclass(frozen=True)
class FormError:
    """One line of the summary: ``target`` is the id of the input (None: nothing to link to)."""

    label: str | None
    message: str
    target: str | None


def _messages(errors) -> list[str]:
    """Error messages of a field, also of a nested FormField/FieldList (dicts and lists of lists)."""
    if isinstance(errors, dict):
        return [m for v in errors.values() for m in _messages(v)]
    if isinstance(errors, (list, tuple)):
        return [m for v in errors for m in _messages(v)]
    return [str(errors)] if errors else []


def _forms(values) -> list[Form]:
    found: list[Form] = []
    for value in values:
        if isinstance(value, Form):
            found.append(value)
        elif isinstance(value, dict):
            found.extend(v for v in value.values() if isinstance(v, Form))
    return found


def errors_of(forms) -> list[FormError]:
    """Every error of ``forms`` in page order: the form's own errors first, then field by field."""
    out: list[FormError] = []
    seen: set[int] = set()
    for form in forms:
        if id(form) in seen:
            continue
        seen.add(id(form))
        out.extend(FormError(None, str(m), None) for m in getattr(form, "form_errors", ()) or ())
        for f in form:
            for message in _messages(f.errors):
                hidden = f.type in _HIDDEN
                out.append(FormError(None if hidden else str(f.label.text), message, None if hidden else f.id))
    return out


@pass_context
def form_error_summary(context) -> list[FormError]:
    """The errors of every form the page was rendered with (empty when none was refused)."""
    return errors_of(_forms(context.get_all().values()))
