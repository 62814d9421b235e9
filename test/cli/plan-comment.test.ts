// The pull-request recipe's comment script (examples/ci/plan-comment.mjs) against a fake GitHub
// API on loopback: the first run creates the plan comment, later runs edit that one comment.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs example without types
import { postPlanComment } from "../../examples/ci/plan-comment.mjs";

type Comment = { id: number; body: string };
const comments: Comment[] = [{ id: 1, body: "LGTM" }];
const seen: string[] = [];
let api = "";
const server = createServer(async (req: IncomingMessage, res) => {
  let data = "";
  for await (const c of req) data += String(c);
  seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
  const send = (status: number, v: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(v));
  const patch = /^\/repos\/o\/r\/issues\/comments\/(\d+)$/.exec(req.url ?? "");
  if (req.method === "GET" && req.url?.startsWith("/repos/o/r/issues/7/comments?"))
    return send(200, comments);
  if (req.method === "POST" && req.url === "/repos/o/r/issues/7/comments") {
    const c = { id: comments.length + 1, body: JSON.parse(data).body as string };
    comments.push(c);
    return send(201, c);
  }
  if (req.method === "PATCH" && patch) {
    const c = comments.find((x) => x.id === Number(patch[1]))!;
    c.body = JSON.parse(data).body;
    return send(200, c);
  }
  send(404, {});
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("examples/ci/plan-comment.mjs", () => {
  it("creates one plan comment, then updates it in place", async () => {
    const post = (body: string) => postPlanComment({ body, api, repo: "o/r", pr: 7, token: "t0k" });
    expect(await post("<!-- mlc-plan -->\n### mlc plan: `p`\n\n**No changes.**\n")).toEqual({
      action: "created",
      id: 2,
    });
    expect(await post("<!-- mlc-plan -->\n### mlc plan: `p`\n\n| | Node |\n")).toEqual({
      action: "updated",
      id: 2,
    });
    expect(comments).toHaveLength(2);
    expect(comments[1]!.body).toContain("| | Node |");
    expect(comments[0]!.body).toBe("LGTM");
    expect(seen.every((s) => s.endsWith("Bearer t0k"))).toBe(true);
    await expect(post("not a plan")).rejects.toThrow(/mlc plan --markdown/);
  });
});
