"""The quarterly compliance report (issue 7): history walk, report model, renderers, seal."""
