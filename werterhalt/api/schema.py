"""Post-processing of the OpenAPI schema (drf-spectacular's POSTPROCESSING_HOOKS)."""

# Every object the API answers with carries these; ``?brief=1`` and nested references show
# only them and a few natural-key fields, so no other field of an answer is guaranteed.
ALWAYS = ("id", "url", "display")


def answers_may_be_brief(result, generator, request, public):
    """In the components that describe answers (not the ``…Request`` bodies, not the paginated
    wrappers), only ``id``, ``url`` and ``display`` stay required: a brief or nested object is a
    valid answer too (Schemathesis checks answers against this)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") or name.startswith("Paginated") or "required" not in component:
            continue
        if component.get("type") != "object" or "properties" not in component:
            continue
        kept = [f for f in component["required"] if f in ALWAYS and f in component["properties"]]
        if kept:
            component["required"] = kept
        else:
            del component["required"]
    return result
