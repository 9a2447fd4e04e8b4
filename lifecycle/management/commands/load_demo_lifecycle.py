from django.core.management.base import BaseCommand

from lifecycle import demo
from werterhalt import options as argtypes


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Load the SAMPLE lifecycle catalogue for the demo's and the lab's hardware models and platforms "
        "(marked as sample data), demo contracts and lifetime policies. Idempotent."
    )

    def handle(self, *args, **options):
        counts = demo.load()
        self.stdout.write("Sample lifecycle data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
