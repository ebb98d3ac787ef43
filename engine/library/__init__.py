"""The policy library as data: catalog rows, control catalogs, per-policy case files, and
what is built from them (``policy list``, ``policy test``, ``policy doc``).

Nothing here imports Checkov or regorus at module level: the CLI's ``--help`` stays cheap.
"""
