"""``{% described_changes changes as rows %}``: the change log with labels and names
(``inventory.change_display``), an org unit or asset outside the viewer's scope not named."""

from django import template

from inventory import scopes
from inventory.change_display import describe

register = template.Library()


def _scope(context) -> scopes.Scope:
    request = context.get("request")
    return scopes.scope_of(request) if request is not None else scopes.EVERYTHING


@register.simple_tag(takes_context=True)
def described_changes(context, changes):
    return describe(changes, _scope(context))


@register.simple_tag(takes_context=True)
def described_change(context, change):
    """One change's ``(label, before, after)`` rows (its own page)."""
    return describe([change], _scope(context))[0][1]
