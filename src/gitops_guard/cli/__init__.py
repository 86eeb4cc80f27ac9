"""The command line: a click group (``cli.main``) and one module per command family.

Only this package reads argv or the environment, prints, or picks exit codes.
"""
