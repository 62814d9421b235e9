// The review page `mlc serve` answers at /review: flagged events of the served deployment, one event's
// features and why it was flagged, and a plain HTML form to label it anomaly or normal with a note
// (no script needed), plus the same as JSON under /v1/review/. Self-contained HTML: no external URL.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Json } from "../ir/graph-ir.js";
import { ReviewError, type ReviewItem, type ReviewQueue } from "../registry/review-queue.js";

/** The cookie a signed-in reviewer's browser sends instead of the Authorization header. */
export const REVIEW_COOKIE = "mlc_review";

const esc = (v: unknown): string =>
  String(v).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

const num = (v: number | null): string => (v === null ? "missing" : String(Number(v.toPrecision(6))));

const eventHref = (id: string): string => `/review/events/${encodeURIComponent(id)}`;

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #ddd}
th{background:#f4f4f4}.bar{background:#c0392b;height:.7rem;display:inline-block}.anomaly{color:#c0392b;font-weight:600}
.normal{color:#27ae60;font-weight:600}form{border:1px solid #ddd;padding:1rem;border-radius:6px}textarea{width:100%}
nav a{margin-right:1rem}.muted{color:#777}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>${body}</body></html>`;
}

const labelCell = (i: ReviewItem): string =>
  i.label
    ? `<span class="${i.label.label}">${esc(i.label.label)}</span>`
    : `<span class="muted">not reviewed</span>`;

export function listPage(deployment: string, items: ReviewItem[], unlabelled: boolean): string {
  const rows = items
    .map(
      (i) =>
        `<tr data-event="${esc(i.event_id)}"><td><a href="${esc(eventHref(i.event_id))}">${esc(i.event_id)}</a></td><td>${esc(i.time)}</td><td>${esc(i.model_version)}</td><td>${num(i.score)}</td><td>${num(i.threshold)}</td><td>${esc(
          (i.reasons ?? [])
            .slice(0, 3)
            .map((r) => r.feature)
            .join(", ") || "-",
        )}</td><td class="label">${labelCell(i)}</td></tr>`,
    )
    .join("");
  return page(
    `Review: ${deployment}`,
    `<h1>Flagged events of ${esc(deployment)}</h1><nav><a href="/review">all</a><a href="/review?unlabelled=1">not reviewed</a></nav>` +
      (items.length
        ? `<table><thead><tr><th>event</th><th>scored</th><th>version</th><th>score</th><th>threshold</th><th>top features</th><th>label</th></tr></thead><tbody>${rows}</tbody></table>`
        : `<p class="muted">${unlabelled ? "Every flagged event is reviewed." : "No flagged events yet."}</p>`),
  );
}

export function eventPage(i: ReviewItem): string {
  const features = Object.entries(i.features)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(JSON.stringify(v))}</td></tr>`)
    .join("");
  const top = Math.max(...(i.reasons ?? []).map((r) => r.contribution), 0);
  const why = i.reasons
    ? `<p>Each model feature's ${esc(i.reason_kind ?? "contribution")}, largest first.</p><table id="reasons"><thead><tr><th>feature</th><th>value</th><th>${esc(i.reason_kind ?? "contribution")}</th><th></th></tr></thead><tbody>${i.reasons
        .map(
          (r) =>
            `<tr><td>${esc(r.feature)}</td><td>${num(r.value)}</td><td>${num(r.contribution)}</td><td><span class="bar" style="width:${top > 0 ? Math.round((Math.max(r.contribution, 0) / top) * 200) : 0}px"></span></td></tr>`,
        )
        .join("")}</tbody></table>`
    : `<p class="muted">${esc(i.reasons_missing ?? "No per-feature contributions were recorded.")}</p>`;
  const history = i.labels.length
    ? `<ul>${i.labels.map((l) => `<li>${esc(l.at)}: <span class="${l.label}">${esc(l.label)}</span>${l.reviewer ? ` by ${esc(l.reviewer)}` : ""}${l.note ? ` — ${esc(l.note)}` : ""}</li>`).join("")}</ul>`
    : `<p class="muted">Not reviewed yet.</p>`;
  return page(
    `Event ${i.event_id}`,
    `<nav><a href="/review">← flagged events</a></nav><h1>Event ${esc(i.event_id)}</h1>` +
      `<p>Scored ${esc(i.time)} by ${esc(i.model)} version ${esc(i.model_version)} (${esc(i.origin)}): score <b>${num(i.score)}</b> ≥ threshold ${num(i.threshold)}.</p>` +
      `<h2>Why it was flagged</h2>${why}<h2>Features</h2><table id="features"><tbody>${features}</tbody></table>` +
      `<h2>Labels</h2><div id="labels">${history}</div>` +
      `<form method="post" action="${esc(eventHref(i.event_id))}/label"><fieldset><legend>Your review</legend>` +
      `<label><input type="radio" name="label" value="anomaly" required> anomaly</label> ` +
      `<label><input type="radio" name="label" value="normal"> normal</label></fieldset>` +
      `<p><label>Note<br><textarea name="note" rows="3"></textarea></label></p>` +
      `<p><label>Reviewer <input name="reviewer"></label></p><button type="submit">Save label</button></form>`,
  );
}

export function loginPage(message?: string): string {
  return page(
    "Review: sign in",
    `<h1>Sign in to review</h1>${message ? `<p class="anomaly">${esc(message)}</p>` : ""}<form method="post" action="/review/login"><p><label>Server token <input type="password" name="token" required></label></p><button type="submit">Sign in</button></form>`,
  );
}

const json = (reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply =>
  reply.code(status).send(body);

function reviewFailure(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof ReviewError)
    return json(reply, e.status, {
      error: e.status === 404 ? "unknown_event" : "invalid_label",
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
    });
  throw e;
}

/** The label fields of a JSON body or a form, checked; a string naming the problem otherwise. */
function labelInput(
  body: unknown,
): { label: string; note: string; reviewer: string } | { problem: string; field: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { problem: 'expected a JSON object {"label": "anomaly" | "normal", "note": "…"}', field: "body" };
  const b = body as Record<string, Json>;
  if (b.label !== "anomaly" && b.label !== "normal")
    return {
      problem: `label must be "anomaly" or "normal", got ${b.label === undefined ? "nothing" : JSON.stringify(b.label)}`,
      field: "label",
    };
  for (const f of ["note", "reviewer"] as const)
    if (b[f] !== undefined && typeof b[f] !== "string") return { problem: `${f} must be a string`, field: f };
  if (typeof b.note === "string" && b.note.length > 10_000)
    return { problem: "note is longer than 10000 characters", field: "note" };
  return {
    label: b.label,
    note: (b.note as string | undefined) ?? "",
    reviewer: (b.reviewer as string | undefined) ?? "",
  };
}

type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: { unlabelled?: string } }>;

const truthy = (v: string | undefined): boolean => v !== undefined && v !== "" && v !== "0" && v !== "false";

/** Registers the page (/review…) and its JSON twin (/v1/review/…) for one deployment's queue. */
export function registerReviewRoutes(app: FastifyInstance, deployment: string, queue: ReviewQueue): void {
  const label = async (req: IdRequest, reply: FastifyReply, redirect: boolean) => {
    const input = labelInput(req.body);
    if ("problem" in input)
      return json(reply, 400, { error: "invalid_label", field: input.field, message: input.problem });
    try {
      const item = await queue.label(req.params.id, deployment, input);
      return redirect ? reply.code(303).header("location", eventHref(item.event_id)).send() : item;
    } catch (e) {
      return reviewFailure(reply, e);
    }
  };

  app.get("/review", async (req: IdRequest, reply) => {
    const unlabelled = truthy(req.query.unlabelled);
    const items = await queue.list({ deployment, unlabelled });
    return reply.type("text/html; charset=utf-8").send(listPage(deployment, items, unlabelled));
  });
  app.get("/review/events/:id", async (req: IdRequest, reply) => {
    try {
      const item = await queue.get(req.params.id, deployment);
      return reply.type("text/html; charset=utf-8").send(eventPage(item));
    } catch (e) {
      return reviewFailure(reply, e);
    }
  });
  app.post("/review/events/:id/label", (req: IdRequest, reply) => label(req, reply, true));

  app.get("/v1/review/events", async (req: IdRequest) => ({
    deployment,
    events: await queue.list({ deployment, unlabelled: truthy(req.query.unlabelled) }),
  }));
  app.get("/v1/review/events/:id", async (req: IdRequest, reply) => {
    try {
      return await queue.get(req.params.id, deployment);
    } catch (e) {
      return reviewFailure(reply, e);
    }
  });
  app.post("/v1/review/events/:id/label", (req: IdRequest, reply) => label(req, reply, false));
}
