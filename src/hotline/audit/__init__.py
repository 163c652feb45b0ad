"""The audit log's machinery: who is acting, masking, and writing entries.

This package imports no app's models (the ``AuditEntry`` table is looked up through the app
registry), so every app's models can inherit ``AuditedModel`` without an import cycle.
"""
