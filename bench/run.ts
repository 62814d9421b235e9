// `npm run bench [-- NAME…]`: runs the benchmarks under bench/ (each a module exporting
// `run(args)`), all of them when no name is given. Each prints its figures beside a peer
// measured in the same run.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isDirectory() && readdirSync(join(here, e.name)).includes("index.js"))
  .map((e) => e.name)
  .sort();

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : available;
for (const name of names) {
  if (!available.includes(name)) {
    process.stderr.write(`unknown benchmark '${name}'; available: ${available.join(", ")}\n`);
    process.exitCode = 1;
    continue;
  }
  process.stdout.write(`\n== bench ${name} ==\n`);
  const mod = (await import(pathToFileURL(join(here, name, "index.js")).href)) as {
    run(args: string[]): Promise<void>;
  };
  await mod.run(process.argv.slice(3));
}
