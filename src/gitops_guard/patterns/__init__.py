"""The pattern dialects, each named for what it emulates: Go's filepath.Match, RE2, policy
wildcards, path globs.
"""
