"""`plan`'s outputs: a text table (default), JSON (``schemas/plan.schema.json``), Markdown."""
