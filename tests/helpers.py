"""Helpers shared by the tests."""


def admin_form_data(response) -> dict:
    """The POST data that re-submits an admin change form exactly as it was rendered."""
    data: dict = {}

    def put(bound):
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = str(value)

    for bound in response.context["adminform"].form:
        put(bound)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            put(bound)
        for form in formset.forms:
            for bound in form:
                put(bound)
    return data
