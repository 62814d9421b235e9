// Posts `mlc plan --markdown` on a pull request as ONE comment, updated on every push: it finds
// the comment that starts with the plan marker and edits it, or creates it. Node 20, no packages.
//
// Usage (in GitHub Actions): node examples/ci/plan-comment.mjs plan.md
// Environment: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name), PR_NUMBER; GITHUB_API_URL (set by Actions).
import { readFileSync } from "node:fs";

const MARKER = "<!-- mlc-plan -->";

export async function postPlanComment({ body, api, repo, pr, token }) {
  if (!body.startsWith(MARKER)) throw new Error("the comment body must be `mlc plan --markdown` output");
  const headers = {
    authorization: `Bearer ${token}`,
    accept: "application/vnd.github+json",
    "content-type": "application/json",
  };
  const call = async (method, path, payload) => {
    const r = await fetch(`${api}${path}`, { method, headers, body: payload && JSON.stringify(payload) });
    if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status}`);
    return r.json();
  };
  for (let page = 1; ; page++) {
    const comments = await call("GET", `/repos/${repo}/issues/${pr}/comments?per_page=100&page=${page}`);
    const mine = comments.find((c) => typeof c.body === "string" && c.body.startsWith(MARKER));
    if (mine)
      return {
        action: "updated",
        id: (await call("PATCH", `/repos/${repo}/issues/comments/${mine.id}`, { body })).id,
      };
    if (comments.length < 100) break;
  }
  return { action: "created", id: (await call("POST", `/repos/${repo}/issues/${pr}/comments`, { body })).id };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const need = (k) => process.env[k] || (console.error(`plan-comment: ${k} is not set`), process.exit(1));
  const r = await postPlanComment({
    body: readFileSync(process.argv[2] ?? "plan.md", "utf8"),
    api: process.env.GITHUB_API_URL || "https://api.github.com",
    repo: need("GITHUB_REPOSITORY"),
    pr: need("PR_NUMBER"),
    token: need("GITHUB_TOKEN"),
  });
  console.log(`plan-comment: ${r.action} comment ${r.id}`);
}
