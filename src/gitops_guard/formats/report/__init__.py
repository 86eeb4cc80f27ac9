"""Report formats: one module per ``report --format`` (Markdown, HTML, JSON, CSV)."""
