"""The repository: work-tree and Git-tree file sources, every Git subprocess, atomic writes, the
policy at a revision.
"""
