// The GitHub Action's PR comment, through the REST API that actions/github-script hands
// over (an authenticated Octokit): one comment per pull request, found again by its hidden
// marker (the first line of `gitops-guard check --format markdown`) AND its author (the
// token's login), then updated in place. A comment that quotes the marker, or one left by
// another bot, is never touched. A body over GitHub's limit is cut at a line break and ends
// with a link to the workflow run's artifact, which holds the whole report.
//
// Environment: GITOPS_GUARD_COMMENT (the Markdown file), GITOPS_GUARD_PULL_REQUEST (its
// number), GITOPS_GUARD_AUTHOR (the login the token posts as), GITOPS_GUARD_REPORT_URL (the
// artifact's URL; the run's page when empty).
'use strict';

const fs = require('fs');

const MARKER = '<!-- gitops-guard -->';
// GitHub refuses a comment body over 65,536 characters. JavaScript counts UTF-16 code
// units, never fewer than characters, so a body within the limit here is within it there.
const LIMIT = 65536;

function truncate(body, link, limit = LIMIT) {
  if (body.length <= limit) {
    return body;
  }
  const note =
    '\n\n---\n\n**The report is cut here**: it is longer than a pull-request comment may be. ' +
    `The whole report is in [the workflow run's artifact](${link}).\n`;
  // Cut at the last line break that leaves room for the note: a table row, a surrogate
  // pair or an entity is never split.
  const room = body.slice(0, limit - note.length);
  const end = room.lastIndexOf('\n');
  return (end > 0 ? room.slice(0, end) : room) + note;
}

async function findComment(github, {owner, repo, issue_number}, author) {
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number,
    per_page: 100,
  });
  return comments.find(
    (comment) =>
      comment.user &&
      comment.user.login === author &&
      typeof comment.body === 'string' &&
      comment.body.startsWith(MARKER),
  );
}

async function post({github, context, core}, env = process.env) {
  const {owner, repo} = context.repo;
  const issue_number = Number(env.GITOPS_GUARD_PULL_REQUEST);
  const author = env.GITOPS_GUARD_AUTHOR || 'github-actions[bot]';
  const link =
    env.GITOPS_GUARD_REPORT_URL ||
    `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
  const body = truncate(fs.readFileSync(env.GITOPS_GUARD_COMMENT, 'utf8'), link);
  if (!body.startsWith(MARKER)) {
    throw new Error(`${env.GITOPS_GUARD_COMMENT} does not start with ${MARKER}`);
  }
  const where = {owner, repo, issue_number};
  const existing = await findComment(github, where, author);
  if (existing === undefined) {
    const created = await github.rest.issues.createComment({...where, body});
    core.info(`gitops-guard: posted ${created.data.html_url}`);
    return {action: 'created', id: created.data.id};
  }
  if (existing.body === body) {
    core.info(`gitops-guard: ${existing.html_url} is up to date`);
    return {action: 'unchanged', id: existing.id};
  }
  await github.rest.issues.updateComment({owner, repo, comment_id: existing.id, body});
  core.info(`gitops-guard: updated ${existing.html_url}`);
  return {action: 'updated', id: existing.id};
}

module.exports = post;
module.exports.truncate = truncate;
module.exports.MARKER = MARKER;
module.exports.LIMIT = LIMIT;
