// The README's set-up and tour, pasted: their sh blocks run literally in bash, in a temp copy of the
// examples where `npx mlc` resolves to this package's bin (as `npm ci` links it); `npm ci` is not re-run.
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
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { commandsOf, freePort, runScript, shBlocks } from "./readme-script.js";
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

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
/** The tour's copy once the tour has passed: the examples' READMEs continue in it. */
let toured: string | undefined;

/** A temp copy of the examples (no state) where `npx mlc` is this package's bin, as `npm ci` links it. */
function copyOfExamples(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  cpSync(join(repo, "examples"), join(dir, "examples"), {
    recursive: true,
    filter: (s) => !s.includes(".mlc") && !s.endsWith("report.html"),
  });
  mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
  // as npm's bin linking does: a link in node_modules/.bin to the bin, made executable
  chmodSync(bin, 0o755);
  symlinkSync(bin, join(dir, "node_modules/.bin/mlc"));
  // the examples' generators import mlc's own dependencies, found through this package's node_modules
  symlinkSync(join(repo, "node_modules/onnx-proto"), join(dir, "node_modules/onnx-proto"));
  return dir;
}

/** Every command of an example's README: all its sh blocks, in order. */
function exampleCommands(example: string): string[] {
  const readme = readFileSync(join(repo, "examples", example, "README.md"), "utf8");
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => commandsOf(m[1]!));
}

describe("the examples' READMEs", () => {
  it("give every command in an sh block (so the test below runs it), from the repository root", () => {
    const examples = readdirSync(join(repo, "examples")).filter((e) =>
      existsSync(join(repo, "examples", e, "README.md")),
    );
    expect(examples.sort()).toEqual(["anomaly", "events", "imported", "recommend"]);
    for (const e of examples) {
      const readme = readFileSync(join(repo, "examples", e, "README.md"), "utf8");
      // a fenced block that is not sh holds spec text, never a command
      for (const m of readme.matchAll(/```(\w*)\n([\s\S]*?)```/g))
        if (m[1] !== "sh") expect(m[2], `examples/${e}/README.md`).not.toMatch(/^(npx |mlc |node |curl )/m);
      // commands run from the repository root, through npx (a bare mlc is not on the PATH after npm ci)
      for (const c of exampleCommands(e)) expect(c, `examples/${e}/README.md`).not.toMatch(/^mlc /);
      // generators and apply commands the prose names are in a block
      const inline = [...readme.matchAll(/`((?:npx mlc|node) [^`]*)`/g)].map((m) => m[1]!);
      const commands = exampleCommands(e).join("\n");
      for (const c of inline) expect(commands, `examples/${e}/README.md names \`${c}\``).toContain(c);
    }
  });
});

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
      const dir = copyOfExamples("mlc-readme-");
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
      toured = dir;
    },
    900_000,
  );

  it.skipIf(!existsSync(bin))(
    "the examples' READMEs run literally: regenerated data as committed, each server answers, the re-ranked list, a materialize",
    async () => {
      // after the tour, in its copy: events and the recommendations deployment are applied already
      const dir = toured ?? copyOfExamples("mlc-examples-readme-");
      const ports = {
        EVENTS_PORT: await freePort(),
        RECS_PORT: await freePort(),
        RERANK_PORT: await freePort(),
      };
      const env = {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        MLC_CACHE_URL: "",
        NO_COLOR: "1",
      };
      const run = async (example: string) => {
        const commands = exampleCommands(example);
        const { code, steps } = await runScript(dir, commands, env);
        const failed = steps.at(-1);
        expect(code, `examples/${example}/README.md failed at: ${failed?.command}\n${failed?.output}`).toBe(
          0,
        );
        expect(steps).toHaveLength(commands.length);
        return (prefix: string): string =>
          steps
            .filter((st) => st.command.startsWith(prefix))
            .map((st) => st.output)
            .join("\n");
      };
      const committed = (path: string) => readFileSync(join(repo, "examples", path));
      const copied = (path: string) => readFileSync(join(dir, "examples", path));

      await run("imported");
      expect(copied("imported/model/linear.onnx").equals(committed("imported/model/linear.onnx"))).toBe(true);

      const recommend = await run("recommend");
      for (const f of ["interactions.csv", "events.csv", "truth.json"])
        expect(copied(`recommend/data/${f}`).equals(committed(`recommend/data/${f}`)), f).toBe(true);
      const answer = (prefix: string) => {
        const line = recommend(prefix)
          .split("\n")
          .find((l) => l.startsWith('{"model"'));
        expect(line, recommend(prefix)).toBeDefined();
        return JSON.parse(line!) as { path: string; items: unknown[]; reranked?: boolean };
      };
      expect(
        answer(`curl -sf --retry 60 --retry-delay 1 --retry-connrefused localhost:\${RECS_PORT`),
      ).toMatchObject({
        path: "model",
      });
      expect(answer(`curl -sf localhost:\${RECS_PORT`)).toMatchObject({ path: "popularity" });
      const reranked = answer(
        `curl -sf --retry 60 --retry-delay 1 --retry-connrefused localhost:\${RERANK_PORT`,
      );
      expect(reranked).toMatchObject({ path: "model", reranked: true });
      expect(reranked.items).toHaveLength(5);
      expect(readFileSync(join(dir, "top20.jsonl"), "utf8").trim().split("\n")).toHaveLength(300);
      expect(readFileSync(join(dir, "reranked.jsonl"), "utf8").trim().split("\n")).toHaveLength(300);

      const events = await run("events");
      expect(events("npx mlc state show split.by_time --json")).toMatch(/"train_end": "2015-10-03/);
      expect(events("curl")).toMatch(/"value":/);
      // the output the README shows for the materialize is the one it prints
      const shown = readFileSync(join(repo, "examples/events/README.md"), "utf8").match(
        /#\s+in table (ridership_api\.v1\.[0-9a-f]+)… \(sqlite \.mlc\/online\.db\); was (ridership_api\.v1\.[0-9a-f]+)…/,
      );
      expect(shown).not.toBeNull();
      expect(events("npx mlc materialize")).toMatch(
        new RegExp(
          `forecast version 1 now looks up 5 station entities as of 2016-08-29T00:00:00\\.001Z in table ${shown![1]!}[0-9a-f]* \\(sqlite \\.mlc/online\\.db\\); was ${shown![2]!}`,
        ),
      );

      const anomaly = await run("anomaly");
      expect(anomaly("npx mlc apply examples/anomaly")).toMatch(/Apply complete: \d+ succeeded, 0 failed/);
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
