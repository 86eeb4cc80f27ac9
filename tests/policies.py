"""The policies the tests run with, in one place.

Each is named for what it sets up; a test that needs a variant derives it from one of
these (``.replace`` or an appended line) rather than writing a new literal.
"""

from __future__ import annotations

import datetime

# The attacked repository: dev → staging → prod, soak 24 h, PRs and digests in prod, bots limited to patches, a registry allow-list, policy owners.
ATTACK_POLICY = """\
version: 1
layout: ["apps/{app}/overlays/{env}/**"]
environments:
  dev:
    automated: [patch, minor, major, digest]
  staging:
    from: dev
    automated: [patch]
  prod:
    from: staging
    soak: 24h
    automated: []
    require_pr: true
    require_digest: true
bots: ["argocd-image-updater*", "*[bot]"]
rollback_trailer: Rollback
images:
  registries: ["registry.example.com/*"]
  tag_pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$'
policy_owners:
  allowed_signers: .gitops-guard/owners
"""

# The promotion history: dev → staging → prod with a 24 h soak, signed commits in prod, the Image Updater as the bot.
PROMOTION_POLICY = """\
version: 1
layout: ["apps/{app}/overlays/{env}/**"]
environments:
  dev:
    automated: [patch, minor, major, digest]
  staging:
    from: dev
    automated: [patch]
  prod:
    from: staging
    soak: 24h
    automated: []
    require_signed_commits: true
bots: ["argocd-image-updater*"]
rollback_trailer: Rollback
"""

# The deploy-model holes: overlays and plain environment folders, no automation in prod.
DEPLOY_HOLES_POLICY = """\
version: 1
layout:
  - apps/{app}/overlays/{env}/**
  - envs/{env}/**
environments:
  dev:
    automated: [patch, minor, major, digest]
  staging:
    from: dev
  prod:
    from: staging
    automated: []
"""

# Repository-scope Image Updater rules: annotation requirements and forbidden strategies per environment.
ANNOTATIONS_POLICY = r"""
version: 1
layout:
  - apps/{app}/overlays/{env}/**
  - argocd/{app}-{env}.yaml
environments:
  dev:
    automated: [patch, minor, major, digest]
  staging:
    from: dev
    automated: [patch, minor]
  prod:
    from: staging
    automated: [patch]
    allow_prerelease: false
    images:
      tag_pattern: '^[0-9]+\.[0-9]+\.[0-9]+$'
images:
  registries: ["registry.example.com/*", "ghcr.io/acme/*"]
  forbidden_tags: [latest, main, stable]
  tag_pattern: '^[0-9]+\.[0-9]+\.[0-9]+(-rc\.[0-9]+)?$'
annotations:
  require_selection_rule: [prod]
  require_git_write_back: [staging, prod]
  forbidden_strategies:
    prod: [newest-build, latest, alphabetical, name]
image_updater:
  version: "1.3"
"""

# Image rules: a registry allow-list, forbidden tags, tag patterns, digests and no pre-releases in prod.
IMAGE_RULES_POLICY = """\
version: 1
layout:
  - clusters/{env}/{app}/**
  - apps/{app}/overlays/{env}/**
environments:
  dev: {}
  staging: {from: dev}
  prod:
    from: staging
    require_digest: true
    allow_prerelease: false
    images:
      tag_pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+$'
images:
  registries: ["registry.example.com/*", "docker.io/library/*"]
  forbidden_tags: [latest, main]
  tag_pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$'
"""

# Extraction: one layout template per source kind (overlays, cluster folders, Helm values, Applications).
EXTRACTION_POLICY = """\
version: 1
layout:
  - apps/{app}/overlays/{env}/**
  - clusters/{env}/{app}/**
  - charts/{app}/values-{env}.yaml
  - argocd/{app}-{env}.yaml
environments:
  dev: {}
  staging: {from: dev}
  prod: {from: staging}
"""

# The findings commands: a registry allow-list and digests in prod.
FINDINGS_CLI_POLICY = """\
version: 1
layout: ["clusters/{env}/{app}/**", "apps/{app}/overlays/{env}/**"]
environments:
  dev: {}
  staging: {from: dev}
  prod: {from: staging, require_digest: true}
images:
  registries: ["registry.example.com/*"]
"""

# The pre-commit hooks: two environments, digests in prod.
PRE_COMMIT_POLICY = """\
version: 1
layout: ["clusters/{env}/{app}/**"]
environments:
  dev: {}
  prod: {from: dev, require_digest: true}
images:
  registries: ["registry.example.com/*"]
"""

# Honest answers of the supply-chain gates: signatures in prod, an unreachable registry fails.
SUPPLY_CHAIN_POLICY = """\
version: 1
layout: ["apps/{app}/overlays/{env}/**"]
environments:
  prod: {}
supply_chain:
  on_unreachable: fail
  signatures:
    environments: [prod]
    keys: [keys/cosign.pub]
"""

# GG108: a version constraint in prod.
CONSTRAINT_POLICY = """\
version: 1
layout:
  - clusters/{env}/{app}/**
environments:
  dev: {}
  prod:
    from: dev
    images:
      constraint: '>=2.0.0'
images:
  constraint: '>=1.0.0'
  overrides:
    - image: registry.example.com/team/api
      constraint: '~1.4'
    - image: registry.example.com/team/beta
      constraint: '>=3.0.0-0'
"""

# The Image Updater rules, for the Image Updater version put in place of ``{version}``.
UPDATER_POLICY_TEMPLATE = """\
version: 1
layout:
  - apps/{app}/overlays/{env}/**
  - argocd/{app}-{env}.yaml
environments:
  dev: {}
  staging: {from: dev}
  prod:
    from: staging
    allow_prerelease: false
    images:
      tag_pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$'
images:
  forbidden_tags: [latest, main]
annotations:
  require_selection_rule: [prod]
  require_git_write_back: [staging, prod]
  forbidden_strategies:
    prod: [newest-build, alphabetical]
image_updater:
  version: "{version}"
"""

# Baselines: one environment, the policy names its baseline.
BASELINE_POLICY = """\
version: 1
layout: ["clusters/{env}/{app}/**"]
environments: {dev: {}}
baseline: .gitops-guard-baseline.json
"""

# Environments by where Argo CD deploys (issue 13 item 6): destinations map clusters to
# environments; the layout is the fallback for folders no Application deploys.
APPLICATIONS_POLICY = """\
version: 1
layout:
  - apps/{app}/overlays/{env}/**
environments:
  dev:
    automated: [patch, minor, major, digest]
    destinations:
      - name: dev
  staging:
    from: dev
    destinations:
      - name: staging
  prod:
    from: staging
    automated: []
    destinations:
      - server: https://prod.k8s.example.com
"""
# Freeze windows (GG309): staging → prod, prod frozen over the year end (a fixed window),
# every weekend and every weeknight (recurring windows in Europe/Berlin, the nights across
# midnight).
FREEZE_POLICY = """\
version: 1
layout: ["apps/{app}/{env}/**"]
environments:
  staging: {}
  prod:
    from: staging
    freeze:
      - reason: year-end change freeze
        from: 2026-12-20T00:00:00+01:00
        until: 2027-01-04T00:00:00+01:00
      - reason: no weekend deploys
        days: [sat, sun]
        timezone: Europe/Berlin
      - reason: nightly batch runs
        days: [mon, tue, wed, thu, fri]
        start: "22:00"
        end: 06:00
        timezone: Europe/Berlin
rollback_trailer: Rollback
"""


def freeze_policy_around_now() -> str:
    """FREEZE_POLICY with only its fixed window, moved to run from yesterday to tomorrow on
    the real wall clock: for the tests of gates that judge at the moment they run."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    start = (now - datetime.timedelta(days=1)).isoformat()
    end = (now + datetime.timedelta(days=1)).isoformat()
    policy = FREEZE_POLICY.replace("2026-12-20T00:00:00+01:00", start)
    policy = policy.replace("2027-01-04T00:00:00+01:00", end)
    return policy.split("      - reason: no weekend deploys")[0] + "rollback_trailer: Rollback\n"


# The plan's history: dev → staging → prod, a freeze on staging (a load test until Monday 08:00 in Berlin), a 24 h soak in prod, no bots in prod.
PLAN_POLICY = """\
version: 1
layout: ["apps/{app}/overlays/{env}/**"]
environments:
  dev:
    automated: [patch, minor, major, digest]
  staging:
    from: dev
    automated: [patch]
    freeze:
      - reason: load test week
        from: 2026-03-20T00:00:00+00:00
        until: 2026-03-23T08:00:00+01:00
  prod:
    from: staging
    soak: 24h
    automated: []
bots: ["argocd-image-updater*"]
rollback_trailer: Rollback
"""
