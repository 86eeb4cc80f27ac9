"""Output formats: one module per format, each a pure ``render(...) -> str``.

The findings formats of ``validate`` and ``check`` are listed in :data:`FINDING_FORMATS`
and reached through :func:`render_findings`, which imports only the module it needs.
The helpers here are shared by those modules; they import nothing beyond the model.
"""
