"""The rule registry: every rule, listed explicitly (no import-time self-registration).

Adding a rule changes three places: its module, one line here, its test.
``gitops-guard rules``, the documentation and the schema's list of ids come from here.
"""
