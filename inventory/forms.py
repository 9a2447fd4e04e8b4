from django import forms
from django.utils.translation import gettext_lazy as _


class AssetImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_(
        "Columns by header name, comma or semicolon separated, UTF-8. "
        "All or nothing: a file with any bad row imports nothing."))
    dry_run = forms.BooleanField(label=_("Dry run (check only, write nothing)"), required=False)

    MAX_BYTES = 50 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("The file is not UTF-8 text (byte %(pos)s).") % {"pos": exc.start}
            ) from None
