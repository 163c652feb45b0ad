"""Customer export: the result of a customer search as CSV or Excel, scoped and masked."""
