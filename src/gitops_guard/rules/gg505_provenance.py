"""Provenance missing, or built from a source, ref or builder the policy does not allow.

With `supply_chain.provenance`, an image deployed in the listed environments needs a
signed SLSA provenance statement (v0.2 or v1) whose subject is the image digest: a
cosign `.att` attestation or a Sigstore bundle (GitHub artifact attestations). The
statement must say it was built from one of `source_repositories`, from a ref matching
`refs` (the release line: `refs/heads/main`, `refs/tags/v*`) and by one of `builders`.
For keyless provenance the certificate's values are used (source repository and ref
from Fulcio's extensions, the builder from the signer's identity), because the CI's
OIDC token vouches for them. Signers are trusted through `supply_chain.signatures`
(`keys`, `trusted_root`).

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments: {prod: {}}
    supply_chain:
      signatures: {environments: [prod], keys: [keys/cosign.pub]}
      provenance:
        environments: [prod]
        source_repositories: ["github.com/acme/*"]
        refs: ["refs/heads/main", "refs/tags/v*"]
        builders: ["https://github.com/slsa-framework/slsa-github-generator/*"]

Failing (built from a feature branch)::

    # registry.example.com
    team/api:1.5.0-rc1:
      image: build-2
      signed: true
      provenance:
        source: github.com/acme/api
        ref: refs/heads/feature/x
        builder: https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.10.0

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.5.0-rc1      # ← GG505

Passing (built by the SLSA generator from tag v1.4.2)::

    # registry.example.com
    team/api:1.4.2:
      image: build-1
      signed: true
      provenance:
        source: github.com/acme/api
        ref: refs/tags/v1.4.2
        builder: https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.10.0

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import SUPPLY_SCOPE

ID = "GG505"
NAME = "provenance"
SEVERITY = Severity.ERROR
SCOPE: Final = SUPPLY_SCOPE  # findings come from gitops_guard.supply.gates
