"""The content-addressed result cache (docs/cache.md).

``store`` keeps entries on disk (atomic, checksummed, lock-free); ``keys`` builds the
content digests an entry is keyed on; ``codec`` turns findings and errors into JSON and back.
Importing this package imports neither Checkov nor regorus.
"""
