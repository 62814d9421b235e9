// Worker thread of csv.ts's parallel reader: parses its byte range into the shared columns, then exits.
import { workerData } from "node:worker_threads";
import { parseRange, type RangeJob } from "./csv.js";

parseRange(workerData as RangeJob);
