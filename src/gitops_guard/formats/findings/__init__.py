"""Findings formats: one module per ``--format`` of ``validate`` and ``check`` (and the check's
plan).
"""
