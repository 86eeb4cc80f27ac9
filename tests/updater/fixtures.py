"""Shared builders for the Image Updater rule tests (GG201-GG210)."""

from __future__ import annotations

from tests.policies import UPDATER_POLICY_TEMPLATE

P = "argocd-image-updater.argoproj.io/"

# Annotations start on line 7, keys in column 5; a value starts two columns after its key.
FIRST_LINE = 7
KEY_COLUMN = 5


def policy(version: str = "1.3") -> str:
    """The test policy for one Image Updater version."""
    return UPDATER_POLICY_TEMPLATE.replace("{version}", version)


def value_column(key: str) -> int:
    """The column of a plain value written as ``<key>: <value>`` at KEY_COLUMN."""
    return KEY_COLUMN + len(key) + 2


def application(
    *annotations: str,
    env: str = "dev",
    name: str = "api",
    extra_metadata: str = "",
    namespace: str = "argocd",
) -> dict[str, str]:
    """One Application file ``argocd/<name>-<env>.yaml`` with the given annotation lines."""
    body = "".join(f"    {line}\n" for line in annotations)
    text = (
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: Application\n"
        "metadata:\n"
        f"  name: {name}-{env}\n"
        f"  namespace: {namespace}\n"
        f"  annotations:\n{body}{extra_metadata}"
        "spec:\n"
        "  source:\n"
        "    repoURL: https://git.example.com/acme/gitops.git\n"
        f"    path: apps/{name}/overlays/{env}\n"
    )
    # The folder it deploys holds a kustomization: one that holds nothing is GG003.
    return {
        f"argocd/{name}-{env}.yaml": text,
        f"apps/{name}/overlays/{env}/kustomization.yaml": "resources: []\n",
    }


def git() -> str:
    """A write-back line that satisfies require_git_write_back."""
    return f"{P}write-back-method: git"


def rule_text() -> str:
    """A selection-rule line that satisfies require_selection_rule."""
    return 'gitops-guard.io/selection-rule: "patch releases of 1.4"'
