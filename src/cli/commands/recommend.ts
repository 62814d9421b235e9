// `mlc recommend DEPLOYMENT --out FILE`: batch top-K, the lists POST /v1/recommend would answer for
// every user the deployed version knows (or the users of --users), as JSON lines.
import type { Command } from "commander";
import { resolve } from "node:path";
import { diagnosticOf, isInternal } from "../../ir/errors.js";
import { recommendToFile } from "../../serve/recommend-batch.js";
import { MAX_K } from "../../serve/recommend.js";
import { parseFilter } from "../../serve/recommend-filter.js";
import type { ItemFilter } from "../../ml/recommend/item-attributes.js";
import { CliExit } from "../exit.js";
import { printJson } from "../json-output.js";
import { withProjectDir } from "../project-dir.js";

function parseK(v: string): number {
  const k = Number(v);
  if (!Number.isInteger(k) || k < 1 || k > MAX_K)
    throw new CliExit(2, `mlc recommend: --k must be a whole number from 1 to ${MAX_K}, got ${v}`);
  return k;
}

function parseUsers(v: string): number[] {
  const users = v.split(",").map((s) => Number(s.trim()));
  const bad = v
    .split(",")
    .find((s, i) => !(Number.isSafeInteger(users[i]) && users[i]! >= 0 && s.trim() !== ""));
  if (bad !== undefined)
    throw new CliExit(
      2,
      `mlc recommend: --users takes user indices separated by commas; '${bad}' is not one`,
    );
  return users;
}

/** `--filter '{"category": "books"}'`: the JSON a request's `filter` takes. */
function parseFilterOption(v: string): ItemFilter {
  let raw: unknown;
  try {
    raw = JSON.parse(v);
  } catch (e) {
    throw new CliExit(
      2,
      `mlc recommend: --filter takes a JSON object, e.g. '{"category": "books"}': ${(e as Error).message}`,
    );
  }
  const r = parseFilter(raw);
  if ("problem" in r)
    throw new CliExit(2, `mlc recommend: --filter: ${r.problem.field}: ${r.problem.message}`);
  return r.filter;
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("recommend")
      .description("write the top-K items of every user a deployment's version knows (JSON lines)")
      .argument("<deployment>"),
  )
    .requiredOption("--out <file>", "the JSON-lines file to write (replaced atomically)")
    .option("--k <k>", `items per user, 1 to ${MAX_K}`, "10")
    .option("--exclude-seen", "leave out each user's training items")
    .option(
      "--users <list>",
      "only these user indices, e.g. 3,17,42 (unknown ones take the cold-start chain)",
    )
    .option(
      "--filter <json>",
      `only items whose attributes pass, as a request's filter: '{"category": ["books", "music"]}'`,
    )
    .option("--json", "print JSON: model, version, users, paths, unknown, out")
    .action(
      async (
        name: string,
        _dir: string,
        f: {
          out: string;
          dir: string;
          k: string;
          excludeSeen?: boolean;
          users?: string;
          filter?: string;
          json?: boolean;
        },
      ) => {
        const projectDir = resolve(f.dir);
        const k = parseK(f.k);
        const users = f.users !== undefined ? parseUsers(f.users) : undefined;
        const filter = f.filter !== undefined ? parseFilterOption(f.filter) : undefined;
        let r;
        try {
          r = await recommendToFile(projectDir, name, f.out, {
            k,
            excludeSeen: f.excludeSeen === true,
            ...(users ? { users } : {}),
            ...(filter ? { filter } : {}),
          });
        } catch (e) {
          if (!isInternal(diagnosticOf(e))) throw new CliExit(1, `mlc recommend: ${(e as Error).message}`);
          throw e;
        }
        const out = resolve(f.out);
        if (f.json) return void printJson({ ...r, out });
        const paths = Object.entries(r.paths)
          .map(([p, n]) => `${n} by ${p}`)
          .join(", ");
        process.stdout.write(
          `${name}: top ${k} of ${r.model} version ${r.version}` +
            (r.rerank
              ? ` re-ranked by ${r.rerank.model} version ${r.rerank.version} (of ${r.rerank.candidates})`
              : "") +
            ` for ${r.users} users (${paths || "none"}) written to ${out}` +
            (r.unknown ? `; ${r.unknown} unknown users without a cold-start chain skipped` : "") +
            "\n",
        );
      },
    );
}
