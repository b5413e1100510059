"""The generic step language (docs: notes on issue 14, docs/case-format.md)."""

STEPS = {}
FACTS = {}
