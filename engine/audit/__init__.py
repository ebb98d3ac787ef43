"""The quarterly compliance report: history walked, report.json built and its renderings."""
