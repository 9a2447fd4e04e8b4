"""The base of every app's model forms."""

from django import forms


class StyledModelForm(forms.ModelForm):
    """Dates as date pickers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
