"""The policy file: its model, reading and validation (JSON Schema), the layout templates and the
policy diff.
"""
