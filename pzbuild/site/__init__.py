"""The static site: product pages, list pages and the catalog JSON."""
