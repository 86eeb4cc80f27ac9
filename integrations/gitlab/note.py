"""The GitLab template's merge-request note: posted once, then updated in place.

Run by ``docs/ci/gitlab-ci.yml`` with the Python of the job's image (standard library
only): ``python note.py gitops-guard.md``. The note is found again by its hidden marker
(the first line of ``gitops-guard check --format markdown``) AND its author, the user of
the token (``GET /user``); a note quoting the marker, or another user's, is never touched.
A body over GitLab's limit of 1,000,000 characters is cut at a line break and ends with a
link to the job's artifact, which holds the whole report.

Environment: ``GITOPS_GUARD_GITLAB_TOKEN`` (a project or personal access token with the
``api`` scope, Reporter role or more, as a masked CI/CD variable; the job token cannot write
notes), and GitLab's ``CI_API_V4_URL``, ``CI_PROJECT_ID``, ``CI_MERGE_REQUEST_IID``,
``CI_JOB_URL``. Without the token the note is skipped with a message, and the job's verdict
is unchanged: that is also what a merge request from a fork gets, whose pipeline runs
without the parent project's variables.

Exit status: 0 when the note is posted, updated, already up to date or skipped; 1 when
GitLab refuses (the message says why).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

MARKER = "<!-- gitops-guard -->"
LIMIT = 1_000_000


def truncate(body: str, link: str, limit: int = LIMIT) -> str:
    """``body``, or its head cut at a line break with a note linking to ``link``."""
    if len(body) <= limit:
        return body
    note = (
        "\n\n---\n\n**The report is cut here**: it is longer than a merge-request note may "
        f"be. The whole report is in [the job's artifact]({link}).\n"
    )
    room = body[: limit - len(note)]
    end = room.rfind("\n")
    return (room[:end] if end > 0 else room) + note


class GitLab:
    """The few REST calls the note needs."""

    def __init__(self, api: str, token: str) -> None:
        self.api = api.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, data: Mapping[str, str] | None = None) -> Any:
        return self._call(method, path, data)[0]

    def _call(
        self, method: str, path: str, data: Mapping[str, str] | None = None
    ) -> tuple[Any, str]:
        """The decoded answer and the ``X-Next-Page`` header (empty on the last page)."""
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(f"{self.api}{path}", data=body, method=method)
        request.add_header("PRIVATE-TOKEN", self.token)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            next_page = response.headers.get("X-Next-Page") or ""
            return json.loads(response.read() or b"null"), next_page

    def notes(self, notes_path: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = "1"
        while page:
            chunk, page = self._call("GET", f"{notes_path}?per_page=100&page={page}")
            found += chunk
        return found


def post(report: Path, env: Mapping[str, str]) -> str:
    """Post or update the note; what was done."""
    token = env.get("GITOPS_GUARD_GITLAB_TOKEN", "")
    if not token:
        return "skipped: GITOPS_GUARD_GITLAB_TOKEN is not set (see docs/ci/gitlab-ci.yml)"
    link = f"{env.get('CI_JOB_URL', '')}/artifacts/file/{report.name}"
    body = truncate(report.read_text(encoding="utf-8"), link)
    if not body.startswith(MARKER):
        raise ValueError(f"{report} does not start with {MARKER}")
    gitlab = GitLab(env["CI_API_V4_URL"], token)
    notes_path = (
        f"/projects/{env['CI_PROJECT_ID']}/merge_requests/{env['CI_MERGE_REQUEST_IID']}/notes"
    )
    me = gitlab.call("GET", "/user")
    ours = [
        note
        for note in gitlab.notes(notes_path)
        if not note.get("system")
        and (note.get("author") or {}).get("id") == me["id"]
        and str(note.get("body", "")).startswith(MARKER)
    ]
    if not ours:
        created = gitlab.call("POST", notes_path, {"body": body})
        return f"posted note {created['id']}"
    note = ours[0]
    if note["body"] == body:
        return f"note {note['id']} is up to date"
    gitlab.call("PUT", f"{notes_path}/{note['id']}", {"body": body})
    return f"updated note {note['id']}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        print(f"gitops-guard: merge-request note {post(Path(args[0]), os.environ)}")
    except urllib.error.HTTPError as error:
        print(f"gitops-guard: GitLab refused the note: {error.code} {error.reason}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
