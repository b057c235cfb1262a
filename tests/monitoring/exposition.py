"""What gatehouse's GET /metrics exposes, read with prometheus_client's text parser."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

# The series a family of each type is exposed as, whether or not it has samples yet. (The
# ``_created`` series prometheus_client adds come as gauge families of their own, and can be
# switched off: no query should use them.)
SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum"),
    "summary": ("", "_count", "_sum"),
    "info": ("_info",),
    "unknown": ("",),
}
# Series Prometheus adds to every target itself, and the labels it attaches to each series.
SYNTHETIC_SERIES = {"up": {"job", "instance"}}
TARGET_LABELS = {"job", "instance"}


@dataclass
class Exposition:
    """Series names with their family's type, the labels seen on each, and their values."""

    types: dict[str, str] = field(default_factory=dict)
    labels: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    values: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def parse(cls, text: str) -> Exposition:
        exposed = cls()
        for family in text_string_to_metric_families(text):
            for suffix in SUFFIXES[family.type]:
                exposed.types[family.name + suffix] = family.type
            for sample in family.samples:
                exposed.types.setdefault(sample.name, family.type)
                exposed.labels[sample.name] |= set(sample.labels)
                for label, value in sample.labels.items():
                    exposed.values[(sample.name, label)].add(value)
        return exposed

    def has(self, series: str) -> bool:
        return series in self.types or series in SYNTHETIC_SERIES

    def labels_of(self, series: str) -> set[str]:
        """The labels a query may use on ``series``: its own and the target's."""
        if series in SYNTHETIC_SERIES:
            return SYNTHETIC_SERIES[series]
        return self.labels.get(series, set()) | TARGET_LABELS

    def is_cumulative(self, series: str) -> bool:
        """Whether ``series`` only goes up (a counter, or a histogram's buckets/count/sum)."""
        return self.types.get(series) in ("counter", "histogram")
