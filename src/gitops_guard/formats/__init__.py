"""Output formats: one module per format, each a pure ``render(...) -> str``."""
