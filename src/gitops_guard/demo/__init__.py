"""The embedded sample repository, the demo that runs every command on it, and the local registry
test bed.
"""
