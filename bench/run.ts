// `npm run bench [-- NAME…] [--FLAG…]`: runs the benchmarks under bench/ (each a module exporting
// `run(args)`), all of them when no name is given; every flag goes to each bench (`--smoke` runs a
// bench at its CI size, for the test suite's smoke tests). Each prints its figures beside a peer
// measured in the same run; after each, the machine's load, so a busy machine shows beside them.
import { readdirSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isDirectory() && readdirSync(join(here, e.name)).includes("index.js"))
  .map((e) => e.name)
  .sort();

const argv = process.argv.slice(2);
const wanted = argv.filter((a) => !a.startsWith("-"));
const flags = argv.filter((a) => a.startsWith("-"));
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
  await mod.run(flags);
  process.stdout.write(
    `machine after bench ${name}: ${availableParallelism()} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
  );
}
