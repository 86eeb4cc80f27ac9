"""The plan's repository: four apps on dev → staging → prod, with pinned dates.

At :data:`NOW` (Friday 2026-03-20 12:00 UTC), what waits for prod is: api 1.5.0, in
staging for 14 h of the 24 h soak; billing 3.2.0, soaked for days (ready); worker 0.8.0,
a downgrade (staging rolled back, prod still runs 0.9.0); search 1.2.0 (ready), while
dev's search 1.3.0 has not reached staging. Staging is frozen (a load test) until Monday
08:00 in Berlin, so its candidates (worker 0.9.0, search 1.3.0) wait for that.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from tests.integration.promotion_repo import HUMAN, Repo, Signer
from tests.policies import PLAN_POLICY

NOW = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=datetime.UTC)
REGISTRY = "registry.example.com/team"
APPS = {"api": "1.4.0", "billing": "3.1.0", "worker": "0.8.0", "search": "1.1.0"}


def deployment(app: str, version: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
spec:
  template:
    spec:
      containers:
        - name: {app}
          image: {REGISTRY}/{app}:{version}
"""


def overlay(app: str, version: str) -> str:
    return (
        f"resources:\n  - ../../base\nimages:\n  - name: {REGISTRY}/{app}\n"
        f'    newTag: "{version}"\n'
    )


def overlay_path(app: str, env: str) -> str:
    return f"apps/{app}/overlays/{env}/kustomization.yaml"


class PlanRepo(Repo):
    def set(self, app: str, env: str, version: str, date: str, message: str | None = None) -> str:
        text = message or f"Promote {app} {version} to {env}"
        return self.commit(date, text, {overlay_path(app, env): overlay(app, version)})


def build_plan_history(path: Path, policy: str = PLAN_POLICY) -> PlanRepo:
    path.mkdir(parents=True)
    repo = PlanRepo(path, Signer(path / "unused", path / "unused"))
    repo.git("init", "-q", "-b", "main")
    files = {".gitops-guard.yaml": policy}
    for app, version in APPS.items():
        files[f"apps/{app}/base/deployment.yaml"] = deployment(app, version)
        files[f"apps/{app}/base/kustomization.yaml"] = "resources: [deployment.yaml]\n"
        for env in ("dev", "staging", "prod"):
            files[overlay_path(app, env)] = overlay(app, version)
    repo.commit("2026-03-01T09:00:00+00:00", "Initial layout", files, author=HUMAN)
    repo.set("worker", "dev", "0.9.0", "2026-03-02T09:00:00+00:00")
    repo.set("worker", "staging", "0.9.0", "2026-03-03T09:00:00+00:00")
    repo.set("worker", "prod", "0.9.0", "2026-03-05T09:00:00+00:00")
    repo.set(
        "worker",
        "staging",
        "0.8.0",
        "2026-03-10T09:00:00+00:00",
        "Roll back worker in staging to 0.8.0\n\nRollback: INC-7\n",
    )
    repo.set("search", "dev", "1.2.0", "2026-03-12T09:00:00+00:00")
    repo.set("search", "staging", "1.2.0", "2026-03-13T09:00:00+00:00")
    repo.set("billing", "dev", "3.2.0", "2026-03-14T09:00:00+00:00")
    repo.set("billing", "staging", "3.2.0", "2026-03-16T09:00:00+00:00")
    repo.set("search", "dev", "1.3.0", "2026-03-18T09:00:00+00:00")
    repo.set("api", "dev", "1.5.0", "2026-03-19T10:00:00+00:00")
    repo.set("api", "staging", "1.5.0", "2026-03-19T22:00:00+00:00")
    return repo
