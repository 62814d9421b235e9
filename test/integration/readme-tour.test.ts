// The README's set-up and tour, pasted: their sh blocks run literally in bash, in a temp copy of the
// examples where `npx mlc` resolves to this package's bin (as `npm ci` links it); `npm ci` is not re-run.
import { spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ReviewQueue } from "../../src/registry/review-queue.js";
import { openState } from "../../src/runtime/state/open.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";

const repo = resolve(__dirname, "../..");
const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
  name: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};
const bin = join(repo, pkg.bin.mlc ?? "");
const REDIS = process.env.MLC_TEST_REDIS_URL;

/** The sh blocks of the README section titled `heading`, as text. */
export function shBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section '${heading}'`);
  const next = readme.indexOf("\n## ", start + 4);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * Splits a block into commands: a line continues the previous one while a single quote is open
 * or the previous line ends with a backslash.
 */
export function commandsOf(block: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (const line of block.split("\n")) {
    cur = cur ? `${cur}\n${line}` : line;
    const quotes = (cur.match(/'/g) ?? []).length;
    if (quotes % 2 === 1 || cur.endsWith("\\")) continue;
    if (cur.trim() && !cur.trim().startsWith("#")) out.push(cur);
    cur = "";
  }
  if (cur.trim()) out.push(cur);
  return out;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => res(typeof a === "object" && a ? a.port : 0));
    });
  });
}

interface Step {
  command: string;
  output: string;
}

/**
 * Runs the commands in one bash (so `&` jobs and `kill %1` behave as when pasted), with `set -e`;
 * a marker line before each command attributes the output. Returns the steps run and the exit code.
 */
function runScript(
  cwd: string,
  commands: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; steps: Step[] }> {
  const marker = "@@mlc-readme-step";
  const script = ["set -e"];
  commands.forEach((c, i) => script.push(`echo "${marker} ${i}"; echo "${marker} ${i}" >&2`, c));
  return new Promise((res) => {
    const child = spawn("bash", ["-c", script.join("\n")], { cwd, env, detached: true });
    let all = "";
    child.stdout.on("data", (d: Buffer) => (all += d.toString()));
    child.stderr.on("data", (d: Buffer) => (all += d.toString()));
    // a server left by a failed step must not outlive the test (nor hold its output open)
    child.on("exit", (code) => {
      if (code === 0) return; // the tour stopped its servers itself
      for (const f of readdirSync(cwd).filter((n) => n.endsWith(".pid"))) {
        try {
          process.kill(Number(readFileSync(join(cwd, f), "utf8")), "SIGTERM");
        } catch {
          // stopped already
        }
      }
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // the group is gone already
      }
    });
    child.on("close", (code) => {
      const steps: Step[] = [];
      for (const part of all.split(new RegExp(`${marker} `)).slice(1)) {
        const n = Number(part.slice(0, part.indexOf("\n")));
        const text = part.slice(part.indexOf("\n") + 1);
        if (steps[n]) steps[n].output += text;
        else steps[n] = { command: commands[n]!, output: text };
      }
      res({ code: code ?? 1, steps });
    });
  });
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the README", () => {
  const readme = readFileSync(join(repo, "README.md"), "utf8");

  it("sets up with exactly two commands, and npm ci links this package's mlc command", () => {
    const setup = shBlocks(readme, "Set up").flatMap(commandsOf);
    expect(setup).toEqual(["npm ci && npx mlc apply examples/churn", "npm test"]);
    // `npx mlc` must not fall through to an unrelated registry package named mlc: the package has a
    // name of its own, a bin called mlc, and depends on itself so npm ci links that bin.
    expect(pkg.name).not.toBe("mlc");
    expect(pkg.bin.mlc).toBe("dist/src/cli/main.js");
    expect(pkg.dependencies[pkg.name]).toBe("file:.");
    // the onnxruntime-node download is skipped without an .npmrc key npm warns about
    expect(existsSync(join(repo, ".npmrc"))).toBe(false);
  });

  it.skipIf(!existsSync(bin))(
    "tour runs literally: plan symbols, a prediction from each server, a second version and the rollback",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "mlc-readme-"));
      dirs.push(dir);
      cpSync(join(repo, "examples"), join(dir, "examples"), {
        recursive: true,
        filter: (s) => !s.includes(".mlc") && !s.endsWith("report.html"),
      });
      mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
      // as npm's bin linking does: a link in node_modules/.bin to the bin, made executable
      chmodSync(bin, 0o755);
      symlinkSync(bin, join(dir, "node_modules/.bin/mlc"));
      // set-up: npm ci is not re-run here; what follows it runs as written
      const setup = shBlocks(readme, "Set up")
        .flatMap(commandsOf)
        .filter((c) => c !== "npm test")
        .map((c) => c.replace(/^npm ci && /, ""));
      const tour = shBlocks(readme, "A five-minute tour").flatMap(commandsOf);
      const [churnPort, eventsPort, recsPort] = [await freePort(), await freePort(), await freePort()];
      const { code, steps } = await runScript(dir, [...setup, ...tour], {
        ...process.env,
        CHURN_PORT: String(churnPort),
        EVENTS_PORT: String(eventsPort),
        RECS_PORT: String(recsPort),
        // the recommend server's cache reads MLC_CACHE_URL: unset here, so answers are computed
        MLC_CACHE_URL: "",
        NO_COLOR: "1",
      });
      const failed = steps.at(-1);
      expect(code, `failed at: ${failed?.command}\n${failed?.output}`).toBe(0);
      expect(steps).toHaveLength(setup.length + tour.length);
      const out = (prefix: string): string =>
        steps
          .filter((s) => s.command.startsWith(prefix))
          .map((s) => s.output)
          .join("\n");
      // no npm warning on any step
      expect(steps.map((s) => s.output).join("")).not.toMatch(/npm warn/i);
      // the first plan the reader sees creates things
      expect(out("npx mlc plan examples/housing  ")).toMatch(/^\s*\+ /m);
      // each curl got a prediction, not a refused connection or a 503
      const curls = steps.filter((s) => s.command.startsWith("curl"));
      expect(curls).toHaveLength(3);
      for (const c of curls.slice(0, 2)) expect(c.output).toMatch(/"(label|value)":/);
      for (const c of curls) expect(c.output).not.toMatch(/"error"/);
      // the recommendation: five items from the model, the cache named (no Redis here: unavailable)
      // (the output may hold the server's start-up lines too; the answer is the JSON line)
      const answer = curls[2]!.output.split("\n").find((l) => l.startsWith('{"model"'));
      expect(answer, curls[2]!.output).toBeDefined();
      const recs = JSON.parse(answer!) as { path: string; items: unknown[]; cache: string };
      expect(recs).toMatchObject({ path: "model", cache: "unavailable" });
      expect(recs.items).toHaveLength(5);
      // the experiment: sized in the plan, decided from the simulator's outcomes by its declared decision
      expect(out("npx mlc experiment status churn_offer")).toMatch(/^small\s+\d+\s+\d+/m);
      expect(out("npx mlc experiment status churn_offer")).toMatch(/verdict: guardrail \(serve control\)/);
      expect(out("npx mlc experiment churn_offer")).toMatch(/all traffic to control \(version 1\)/);
      expect(out("npx mlc plan examples/churn")).toMatch(
        /-\/\+ model\.churn_model\s+params\.trees: 200 → 300/,
      );
      expect(out("npx mlc monitor watch")).toMatch(
        /^ {2}NOT ENOUGH DATA +drift\(total_day_minutes\) < 0\.1 /m,
      );
      expect(out("npx mlc monitor watch")).toMatch(/not enough data: no alarm/);
      expect(out("npx mlc rollout promote churn_api")).toMatch(/version 2 promoted/);
      expect(out("npx mlc rollback churn_api")).toMatch(/version 2 → 1/);
      // every server stopped and removed its pid file
      expect(readdirSync(dir).filter((n) => n.endsWith(".pid"))).toEqual([]);
    },
    900_000,
  );
  it.skipIf(!existsSync(bin) || !REDIS)(
    `the anomaly stream step runs literally: scores, one burst alert, flagged readings reviewed and the threshold recalibrated on the labels${REDIS ? "" : " (skipped: MLC_TEST_REDIS_URL is not set)"}`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "mlc-readme-anomaly-"));
      dirs.push(dir);
      cpSync(join(repo, "examples/anomaly"), join(dir, "examples/anomaly"), {
        recursive: true,
        filter: (s) => !s.includes(".mlc"),
      });
      // stream names of this run only, so parallel runs on one Redis do not share the example's
      const base = `mlc-test-readme-${process.pid}`;
      const spec = join(dir, "examples/anomaly/shuttle.mlspec");
      writeFileSync(
        spec,
        readFileSync(spec, "utf8")
          .replaceAll('"shuttle.readings"', `"${base}.readings"`)
          .replaceAll('"shuttle.scores"', `"${base}.scores"`),
      );
      mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
      chmodSync(bin, 0o755);
      symlinkSync(bin, join(dir, "node_modules/.bin/mlc"));
      // the example's scripts import ioredis, found from the temp copy through this package's node_modules
      symlinkSync(join(repo, "node_modules/ioredis"), join(dir, "node_modules/ioredis"));
      const commands = shBlocks(readme, "Anomalies on a stream").flatMap(commandsOf);
      const redis = new Redis(REDIS!);
      try {
        const { code, steps } = await runScript(dir, commands, {
          ...process.env,
          MLC_STREAM_URL: REDIS!,
          ALERT_PORT: String(await freePort()),
          NO_COLOR: "1",
        });
        const failed = steps.at(-1);
        expect(code, `failed at: ${failed?.command}\n${failed?.output}`).toBe(0);
        expect(commands).toHaveLength(13);
        expect(steps).toHaveLength(commands.length);
        const out = (prefix: string): string =>
          steps
            .filter((s) => s.command.startsWith(prefix))
            .map((s) => s.output)
            .join("\n");
        expect(out("node examples/anomaly/replay.mjs")).toMatch(
          new RegExp(`replay: 300 rows of data/shuttle.csv onto ${base}\\.readings \\(seed 1\\)`),
        );
        const alerts = readFileSync(join(dir, "alerts.ndjson"), "utf8").trim().split("\n");
        expect(alerts).toHaveLength(1);
        expect(JSON.parse(alerts[0]!)).toMatchObject({ deployment: "radiator_watch", rule: "burst" });
        expect(await redis.xlen(`${base}.scores`)).toBe(300);
        expect(out("npx mlc review list")).toMatch(/row-\d+/);
        // the reviewer's labels come back as the reviews source: a data change in the plan, then an
        // apply that recalibrates the threshold over the false alarm and ships it to radiator_watch
        expect(out("npx mlc review label row-438")).toMatch(
          /labelled row-438 of radiator_watch normal \(false alarm\)/,
        );
        const plan = out("npx mlc plan examples/anomaly");
        expect(plan).toMatch(/~ source\.reviews +data reviews of radiator_watch changed: rows 0 → 3/);
        expect(plan).toMatch(/-\/\+ model\.isolation +upstream source\.reviews changed/);
        const reapply = steps.at(-1)!;
        expect(reapply.command).toMatch(/^npx mlc apply examples\/anomaly/);
        expect(reapply.output).toMatch(
          /threshold calibrated with 3 reviewed events of reviews \(2 anomalies\)/,
        );
        expect(reapply.output).toMatch(/isolation version 2 serves radiator_watch/);
        const project = join(dir, "examples/anomaly");
        const state = await openState(project);
        const falseAlarm = await new ReviewQueue(state.records)
          .get("row-438", "radiator_watch")
          .finally(() => state.close());
        const v2 = readDeployment(project, "radiator_watch")!;
        const task = loadBundle(resolveBundlePath(project, v2.bundle)).meta.task;
        expect(task).toMatchObject({ kind: "anomaly", threshold: expect.any(Number) });
        // flagged by version 1, below version 2's threshold
        expect(falseAlarm.score).toBeGreaterThanOrEqual(falseAlarm.threshold);
        if (task.kind === "anomaly") expect(falseAlarm.score).toBeLessThan(task.threshold!);
        expect(readdirSync(dir).filter((n) => n.endsWith(".pid"))).toEqual([]);
      } finally {
        const keys = [
          ...(await redis.keys(`mlc:stream:${base}*`)),
          ...(await redis.keys(`mlc:alert:${base}*`)),
        ];
        await redis.del(
          `${base}.readings`,
          `${base}.scores`,
          `${base}.scores.alerts`,
          `${base}.readings.dead`,
          ...keys,
        );
        await redis.quit();
      }
    },
    600_000,
  );
});
