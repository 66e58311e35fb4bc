"""Datasets by name: the catalog (file records, no torch), label reading, and torch Datasets."""
