"""The base of every app's model forms."""

from django import forms


class StyledModelForm(forms.ModelForm):
    """Dates as date pickers; choices of related objects refuse ids out of range
    (``BoundedIdsMixin``) instead of passing them to the database."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            elif type(field) is forms.ModelChoiceField:
                field.__class__ = IdField
            elif type(field) is forms.ModelMultipleChoiceField:
                field.__class__ = IdsField


MAX_ID = 2**63 - 1  # the largest primary key a database column holds (bigint)


class BoundedIdsMixin:
    """For model choice fields keyed by their integer primary key: a value that is not a whole
    number 1 … 2⁶³−1 is refused as an invalid choice before the query (the database would fail
    on it — SQLite cannot even bind it — a 500 instead of a 400 naming the field)."""

    def _refuse_bad_ids(self, values) -> None:
        if self.to_field_name is not None:
            return
        for pk in values:
            text = str(pk).strip()
            if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"] if "invalid_pk_value" in self.error_messages
                    else self.error_messages["invalid_choice"],
                    code="invalid_pk_value", params={"pk": pk, "value": pk},
                )

    def _check_values(self, value):  # ModelMultipleChoiceField
        self._refuse_bad_ids(value)
        return super()._check_values(value)

    def to_python(self, value):  # ModelChoiceField
        if value not in self.empty_values and not isinstance(value, list | tuple):
            self._refuse_bad_ids([value])
        return super().to_python(value)


class IdsField(BoundedIdsMixin, forms.ModelMultipleChoiceField):
    """Several objects by id, bounded (``BoundedIdsMixin``)."""


class IdField(BoundedIdsMixin, forms.ModelChoiceField):
    """One object by id, bounded (``BoundedIdsMixin``)."""


class DayField(forms.DateField):
    """A date within the days the app evaluates and plans at (``werterhalt.options.FIRST_DAY`` …
    ``LAST_DAY``, as the commands' ``--at``): a plan or a service life counted from 9999-12-31
    would run past the last date Python knows."""

    def validate(self, value):
        from django.utils.translation import gettext as _

        from werterhalt.options import FIRST_DAY, LAST_DAY

        super().validate(value)
        if value is not None and not (FIRST_DAY <= value <= LAST_DAY):
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY},
                code="out_of_range",
            )
