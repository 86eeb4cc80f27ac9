"""History: commits to steps to promotion events, the ledger of what ran where, and the replay
cache.
"""
