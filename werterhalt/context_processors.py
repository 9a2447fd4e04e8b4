"""Context for every page."""

from lifecycle import state


def figures_updating(request) -> dict:
    """Whether lifecycle figures are being refreshed in the background (one EXISTS query), for
    the notice in the page header; nothing for pages without a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"figures_updating": state.pending()}


def scope(request) -> dict:
    """The signed-in user's scope (``inventory.scopes``): the menu leaves out what serves the
    whole city only, and pages may say whose part they show."""
    from inventory import scopes

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_scope": scopes.scope_of(request)}
