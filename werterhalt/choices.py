"""The base of every app's choices: a value with a label and a colour for templates."""

from django.db import models


class ColoredChoices(models.TextChoices):
    """TextChoices whose members can carry a colour (set ``_colors`` on the class after it)."""

    @classmethod
    def color(cls, value: str) -> str:
        return getattr(cls, "_colors", {}).get(value, "secondary")
