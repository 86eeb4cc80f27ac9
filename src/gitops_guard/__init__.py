"""gitops-guard: policy checks and audit history for image promotion in GitOps repositories."""

__version__ = "0.2.0"
