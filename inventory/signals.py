"""Signals of the inventory for the apps above it (which may not be imported from here)."""

from django.dispatch import Signal

# Sent with ``asset_ids`` (an iterable of primary keys) by writers that bypass the model
# signals: bulk imports, discovery's bulk module writes. Receivers run inside the writer's
# transaction; ``lifecycle`` refreshes the stored lifecycle answers after it commits — or, with
# ``within=True``, at once inside that transaction, so that they are committed together with the
# assets (the CSV import: nobody sees its assets without their answers).
assets_changed = Signal()
