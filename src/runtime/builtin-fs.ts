// node:fs for the modules on the no-op plan's path (cli/main.ts, cli/noop-plan.ts,
// runtime/plan-cache.ts). Importing node:fs as an ES module builds its namespace, which reads every
// export, the lazy ones too (the file streams and the stream module under them): about 6 ms of CPU
// in a process whose whole budget over bare `node` is a few tens of milliseconds.
// process.getBuiltinModule (Node ≥ 20.16) returns the same module object without that; older
// releases import it.
import type * as Fs from "node:fs";

export const fs: typeof Fs = process.getBuiltinModule?.("node:fs") ?? (await import("node:fs"));
