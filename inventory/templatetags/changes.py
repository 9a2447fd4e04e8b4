"""``{% described_changes changes as rows %}``: the change log with labels and names
(``inventory.change_display``)."""

from django import template

from inventory.change_display import describe

register = template.Library()


@register.simple_tag
def described_changes(changes):
    return describe(changes)


@register.simple_tag
def described_change(change):
    """One change's ``(label, before, after)`` rows (its own page)."""
    return describe([change])[0][1]
