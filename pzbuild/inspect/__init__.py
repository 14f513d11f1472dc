"""Inspect products: one pass over each table, cached by content.

``inspect_table`` reads a table once and returns a :class:`TableSummary`;
``inspect_product`` (``inspect_products`` for many, in worker processes) hashes every file of
a product and inspects its tables through an :class:`InspectCache`, so that unchanged data is
never read again.
"""

from .cache import InspectCache
from .histograms import Histogram, SkyDensity
from .product import inspect_product, inspect_products
from .stats import ColumnStats
from .summary import (
    ColumnSummary,
    FileSummary,
    Issue,
    ProductSummary,
    TableSummary,
    file_digest,
    inspect_table,
)

__all__ = [
    "ColumnStats", "ColumnSummary", "FileSummary", "Histogram", "InspectCache", "Issue",
    "ProductSummary", "SkyDensity", "TableSummary", "file_digest", "inspect_product",
    "inspect_products", "inspect_table",
]
