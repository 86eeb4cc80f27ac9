"""Parsing: YAML through libyaml with positions, and the re-parser that patches value edits into an
old tree.
"""
