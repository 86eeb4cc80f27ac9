"""The audit: every image change of a branch's history, judged by the policy in force, and its
metrics.
"""
