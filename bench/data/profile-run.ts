// One mlc read + derive of bench/data's file, run by the bench under --cpu-prof when the target is
// not met (node dist/bench/data/profile-run.js FILE ROWS): where the time goes, over all threads.
import { runMlcOnce } from "./workload.js";

const [file, rows] = process.argv.slice(2);
if (!file || !rows) throw new Error("usage: profile-run.js FILE ROWS");
await runMlcOnce(file, Number(rows));
