// The review loop through a real apply, server and browser: the anomaly example's isolation forest is
// deployed over REST; flagged predictions enter the review queue with their reasons; a reviewer signs in
// to /review in headless Chromium, opens a flagged event and labels it; the label reaches the state store.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReviewQueue } from "../../src/registry/review-queue.js";
import { applyProject } from "../../src/runtime/project.js";
import { openReviewIntake } from "../../src/runtime/review-explainer.js";
import { openState } from "../../src/runtime/state/open.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "review-test-token";

describe("review loop", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-review-page-"));
  let server: PredictionServer;
  let base: string;
  const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

  beforeAll(async () => {
    cpSync(resolve(__dirname, "../../examples/anomaly"), dir, {
      recursive: true,
      filter: (s) => !s.includes(".mlc"),
    });
    const spec = join(dir, "shuttle.mlspec");
    writeFileSync(
      spec,
      readFileSync(spec, "utf8").replace(/model reconstruction \{[\s\S]*?\n\}\n/, "") +
        "\ndeploy anomaly_api {\n  model = isolation\n  when  = usable\n}\n",
    );
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    expect(out.ok).toBe(true);
    server = createPredictionServer({
      projectDir: dir,
      deployment: "anomaly_api",
      token: TOKEN,
      predictionLog: false,
      review: await openReviewIntake(dir),
    });
    base = await server.listen(0, "127.0.0.1");
    await server.loaded;
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = (): Record<string, number>[] => {
    const [head, ...lines] = readFileSync(join(dir, "data/shuttle.csv"), "utf8").trim().split("\n");
    const names = head!.split(",");
    return lines.map((l) => {
      const v = l.split(",");
      return Object.fromEntries(names.slice(0, 9).map((n, j) => [n, Number(v[j])]));
    });
  };

  it("queues flagged REST predictions once per event id, with the features that isolated them", async () => {
    const all = rows();
    const res = await fetch(`${base}/v1/predict`, {
      method: "POST",
      headers: { ...auth, "x-request-id": "batch-1" },
      body: JSON.stringify({ instances: all.slice(0, 200) }),
    });
    expect(res.status).toBe(200);
    const preds = ((await res.json()) as { predictions: { anomaly: boolean; score: number }[] }).predictions;
    const flagged = preds.flatMap((p, i) => (p.anomaly ? [i] : []));
    expect(flagged.length).toBeGreaterThan(0);
    // the same request again (a retry with the same id) queues nothing new
    await fetch(`${base}/v1/predict`, {
      method: "POST",
      headers: { ...auth, "x-request-id": "batch-1" },
      body: JSON.stringify({ instances: all.slice(0, 200) }),
    });
    const list = await fetch(`${base}/v1/review/events`, { headers: auth });
    const events = (
      (await list.json()) as {
        events: {
          event_id: string;
          score: number;
          reasons: { feature: string; contribution: number }[];
          reason_kind: string;
          features: Record<string, number>;
        }[];
      }
    ).events;
    expect(events.map((e) => e.event_id).sort()).toEqual(flagged.map((i) => `batch-1#${i}`).sort());
    const first = events.find((e) => e.event_id === `batch-1#${flagged[0]}`)!;
    expect(first.score).toBe(preds[flagged[0]!]!.score);
    expect(first.features).toEqual(all[flagged[0]!]);
    expect(first.reason_kind).toBe("isolation path bits");
    expect(first.reasons.map((r) => r.feature).sort()).toEqual([
      "v1",
      "v2",
      "v3",
      "v4",
      "v5",
      "v6",
      "v7",
      "v8",
      "v9",
    ]);
    const c = first.reasons.map((r) => r.contribution);
    expect(c).toEqual([...c].sort((a, b) => b - a));
    expect(c[0]).toBeGreaterThan(0);
  });

  it("answers bad review requests with JSON 4xx and wants the token", async () => {
    const noAuth = await fetch(`${base}/review`);
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as { message: string }).message).toMatch(/sign in at \/review\/login/);
    const unknown = await fetch(`${base}/v1/review/events/nope/label`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ label: "normal" }),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "unknown_event" });
    const id = encodeURIComponent(
      (
        (await (await fetch(`${base}/v1/review/events`, { headers: auth })).json()) as {
          events: { event_id: string }[];
        }
      ).events[0]!.event_id,
    );
    const bad = await fetch(`${base}/v1/review/events/${id}/label`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ label: "maybe" }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_label", field: "label" });
    const note = await fetch(`${base}/v1/review/events/${id}/label`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ label: "anomaly", note: 5 }),
    });
    expect(note.status).toBe(400);
    expect(await note.json()).toMatchObject({ error: "invalid_label", field: "note" });
    // a signed-in browser's cookie stands for the token on the page, but not for a form from another site
    const cookie = `mlc_review=${TOKEN}`;
    const page = await fetch(`${base}/review`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const forged = await fetch(`${base}/review/events/${id}/label`, {
      method: "POST",
      headers: { cookie, origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: "label=normal",
      redirect: "manual",
    });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ error: "forbidden" });
    const wrongCookie = await fetch(`${base}/review`, { headers: { cookie: "mlc_review=nope" } });
    expect(wrongCookie.status).toBe(401);
    // the cookie opens the page only, not the JSON API
    expect((await fetch(`${base}/v1/review/events`, { headers: { cookie } })).status).toBe(401);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    "lets a reviewer sign in, read why an event was flagged and label it in a browser",
    async () => {
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
      });
      try {
        const page = await browser.newPage();
        const external: string[] = [];
        page.on("request", (r) => {
          if (!r.url().startsWith(base)) external.push(r.url());
        });
        await page.goto(`${base}/review/login`);
        await page.fill("input[name=token]", "wrong");
        await page.click("button[type=submit]");
        expect(await page.textContent("body")).toContain("That is not the server's token.");
        await page.fill("input[name=token]", TOKEN);
        await page.click("button[type=submit]");
        await page.waitForURL(`${base}/review`);
        const rowsShown = await page.locator("tbody tr").count();
        expect(rowsShown).toBeGreaterThan(0);
        const id = (await page.locator("tbody tr").first().getAttribute("data-event"))!;
        await page.locator("tbody tr").first().locator("a").click();
        await page.waitForURL(/\/review\/events\//);
        expect(await page.textContent("h1")).toBe(`Event ${id}`);
        expect(await page.locator("#reasons tbody tr").count()).toBe(9);
        expect(await page.locator("#features tbody tr").count()).toBe(9);
        await page.check("input[value=normal]");
        await page.fill("textarea[name=note]", "valve test at 03:00");
        await page.fill("input[name=reviewer]", "ana");
        await page.click("button[type=submit]");
        await page.waitForURL(/\/review\/events\//);
        expect(await page.textContent("#labels")).toContain("normal by ana — valve test at 03:00");
        await page.goto(`${base}/review?unlabelled=1`);
        expect(await page.locator(`tr[data-event="${id}"]`).count()).toBe(0);
        expect(external).toEqual([]);

        const state = await openState(dir);
        try {
          const item = await new ReviewQueue(state.records).get(id, "anomaly_api");
          expect(item.label).toMatchObject({ label: "normal", note: "valve test at 03:00", reviewer: "ana" });
        } finally {
          await state.close();
        }
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
