"""Running rules: severities, excludes, suppressions, the baseline, and the judgement of a history
step.
"""
