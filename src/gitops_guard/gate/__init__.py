"""The gate: ``check`` over a commit range, and the Git hooks (client and server) built on it."""
