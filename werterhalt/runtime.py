"""Process set-up for serving requests (werterhalt/wsgi.py calls it; bench/ui.py too)."""

import gc

# Python's default (700, 10, 10) runs a collection of the youngest objects every 700 allocations
# and a full one every 100 of those; a page of 100 serialised assets allocates hundreds of
# thousands of short-lived objects, and full collections over a warm process cost ~150 ms each.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Move what start-up created (modules, URL patterns, templates) out of the collector's way
    and collect the young generation less often. Call once, after the application is loaded."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
