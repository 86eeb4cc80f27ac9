"""Signature missing, or not valid for any trusted key or identity.

With `supply_chain.signatures`, every image deployed in the listed environments must
carry a cosign signature over its digest from a trusted signer:

* key-based: a `sha256-<hex>.sig` tag (cosign's layout) whose payload names the image
  digest and whose signature verifies with one of `keys` (PEM public keys: ECDSA
  P-256/384/521, RSA, Ed25519); a Rekor bundle on it is checked too when a
  `trusted_root` is configured;
* keyless: a Fulcio certificate that chains to `trusted_root` (a Sigstore
  `trusted_root.json`), logged in Rekor, whose identity and issuer match one of
  `identities` (`*` wildcards), either on a `.sig` tag or in a Sigstore bundle
  attached as an OCI referrer (cosign v3; the referrers API, else the fallback tag).

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments: {prod: {}}
    supply_chain:
      signatures:
        environments: [prod]
        keys: [keys/cosign.pub]

Failing (no signature)::

    # registry.example.com
    team/api:1.4.2: build-1

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2      # ← GG503

Passing (`cosign sign --key cosign.key`, whose public key is keys/cosign.pub)::

    # registry.example.com
    team/api:1.4.2: {image: build-1, signed: true}

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import SUPPLY_SCOPE

ID = "GG503"
NAME = "signature-invalid"
SEVERITY = Severity.ERROR
SCOPE: Final = SUPPLY_SCOPE  # findings come from gitops_guard.supply.gates
