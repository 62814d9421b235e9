// `mlc review list|show|label`: the human review queue from the command line. Anomaly deployments
// queue the events they flag (stream or REST); a reviewer reads why each was flagged and labels it
// anomaly or normal with a note; `source … { review = DEPLOYMENT }` reads the labels back.
import type { Command } from "commander";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { ReviewError, ReviewQueue, type ReviewItem } from "../../registry/review-queue.js";
import { openState } from "../../runtime/state/open.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

async function withQueue<T>(dir: string, verb: string, fn: (q: ReviewQueue) => Promise<T>): Promise<T> {
  const state = await openState(resolve(dir));
  try {
    return await fn(new ReviewQueue(state.records));
  } catch (e) {
    if (e instanceof ReviewError)
      throw new CliExit(1, `mlc review ${verb}: ${e.message}${e.hint ? ` (${e.hint})` : ""}`);
    throw e;
  } finally {
    await state.close();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

const num = (v: number | null): string => (v === null ? "null" : String(Number(v.toPrecision(6))));

const topFeatures = (i: ReviewItem, k: number): string =>
  i.reasons
    ? i.reasons
        .slice(0, k)
        .map((r) => r.feature)
        .join(", ")
    : "-";

/** The text of `mlc review show`. */
export function renderItem(i: ReviewItem): string {
  const lines = [
    `event ${i.event_id} of ${i.deployment} (${i.model} version ${i.model_version}, ${i.origin}), scored ${i.time}`,
    `  score ${num(i.score)} ≥ threshold ${num(i.threshold)}: flagged as an anomaly`,
    `  label: ${i.label ? `${i.label.label}${i.label.note ? ` — ${i.label.note}` : ""} (${i.label.reviewer || "unnamed"}, ${i.label.at})` : "not reviewed yet"}`,
    "  features:",
    ...Object.entries(i.features).map(([k, v]) => `    ${k.padEnd(24)} ${JSON.stringify(v)}`),
  ];
  if (i.reasons) {
    lines.push(`  why (${i.reason_kind ?? "contribution"} per model feature, largest first):`);
    for (const r of i.reasons)
      lines.push(`    ${r.feature.padEnd(24)} ${num(r.contribution).padStart(10)}  value ${num(r.value)}`);
  } else lines.push(`  why: ${i.reasons_missing ?? "no per-feature contributions were recorded"}`);
  if (i.labels.length > 1) {
    lines.push("  earlier labels:");
    for (const l of i.labels.slice(0, -1))
      lines.push(`    ${l.at}  ${l.label}${l.note ? ` — ${l.note}` : ""}`);
  }
  return lines.join("\n") + "\n";
}

export function register(program: Command): void {
  const review = program
    .command("review")
    .description("the review queue of anomaly deployments: list flagged events, show why, label them");

  withProjectDir(review.command("list").description("flagged events, newest first"))
    .option("--deployment <name>", "only this deployment's events")
    .option("--unlabelled", "only events nobody labelled yet")
    .option("--json", "print JSON")
    .action(
      async (
        _dir: string,
        flags: { dir: string; json?: boolean; deployment?: string; unlabelled?: boolean },
      ) => {
        await withQueue(flags.dir, "list", async (q) => {
          if (flags.deployment !== undefined) {
            const known = await q.deployments();
            if (!known.includes(flags.deployment))
              throw new CliExit(
                1,
                `mlc review list: deployment '${flags.deployment}' has no flagged events${known.length ? ` (deployments with events: ${known.join(", ")})` : " (the queue is empty)"}`,
              );
          }
          const items = await q.list({ deployment: flags.deployment, unlabelled: flags.unlabelled });
          if (flags.json) return void printJson(items);
          if (!items.length)
            return void process.stdout.write(
              flags.unlabelled ? "Every flagged event is labelled.\n" : "No flagged events yet.\n",
            );
          const rows = [
            ["EVENT", "DEPLOYMENT", "VERSION", "SCORE", "THRESHOLD", "LABEL", "TOP FEATURES", "TIME"],
          ];
          for (const i of items)
            rows.push([
              i.event_id,
              i.deployment,
              String(i.model_version),
              num(i.score),
              num(i.threshold),
              i.label?.label ?? "-",
              topFeatures(i, 3),
              i.time,
            ]);
          process.stdout.write(table(rows));
        });
      },
    );

  withProjectDir(
    review
      .command("show")
      .description("one flagged event: its features, why it was flagged, its labels")
      .argument("<event>", "the event id"),
  )
    .option("--deployment <name>", "the deployment (needed when several flagged the same id)")
    .option("--json", "print JSON")
    .action(async (id: string, _dir: string, flags: { dir: string; json?: boolean; deployment?: string }) => {
      await withQueue(flags.dir, "show", async (q) => {
        const item = await q.get(id, flags.deployment);
        if (flags.json) printJson(item);
        else process.stdout.write(renderItem(item));
      });
    });

  withProjectDir(
    review
      .command("label")
      .description("label a flagged event anomaly or normal (a later label supersedes; both are kept)")
      .argument("<event>", "the event id")
      .argument("<label>", "anomaly or normal"),
  )
    .option("--note <text>", "why, for whoever trains on it", "")
    .option("--reviewer <name>", "who reviewed it (default: the user name)")
    .option("--deployment <name>", "the deployment (needed when several flagged the same id)")
    .option("--json", "print the labelled event as JSON")
    .action(
      async (
        id: string,
        label: string,
        _dir: string,
        flags: { dir: string; json?: boolean; deployment?: string; note: string; reviewer?: string },
      ) => {
        if (label !== "anomaly" && label !== "normal")
          throw new CliExit(2, `mlc review label: the label must be anomaly or normal, got '${label}'`);
        await withQueue(flags.dir, "label", async (q) => {
          const item = await q.label(id, flags.deployment, {
            label,
            note: flags.note,
            reviewer: flags.reviewer ?? userName(),
          });
          if (flags.json) return void printJson(item);
          process.stdout.write(
            `labelled ${item.event_id} of ${item.deployment} ${label}${flags.note ? ` (${flags.note})` : ""}\n`,
          );
        });
      },
    );
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return "";
  }
}
