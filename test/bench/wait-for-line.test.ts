// The benches' wait for a server's start-up lines (bench/serve/index.ts waitForLine): two lines the
// server writes together (delivered in one read on a busy machine) are both found by successive
// waits, which the recommend bench's smoke run once missed, waiting 60 s for "ready, serving"
// printed beside "listening on"; a timeout or an early exit says what the server printed on stderr.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { stop, waitForLine } from "../../bench/serve/index.js";

const node = (code: string) => spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "pipe"] });

describe("waitForLine", () => {
  it(
    "finds a line written in the same chunk as the one an earlier wait matched",
    { timeout: 120_000 },
    async () => {
      const child = node(
        `process.stdout.write("mlc serve: recs listening on http://127.0.0.1:4321\\nmlc serve: ready, serving m version 1\\n"); setInterval(() => {}, 1000);`,
      );
      try {
        const url = (await waitForLine(child, /listening on (http:\/\/[\d.]+:\d+)/, 60_000))[1];
        expect(url).toBe("http://127.0.0.1:4321");
        await expect(waitForLine(child, /ready, serving/, 60_000)).resolves.toBeDefined();
        // a match is consumed: the same line is not found twice
        await expect(waitForLine(child, /ready, serving/, 200)).rejects.toThrow(/timed out/);
      } finally {
        await stop(child);
      }
    },
  );

  it(
    "names the pattern, the load and the server's stderr when it times out or the server exits",
    { timeout: 120_000 },
    async () => {
      const slow = node(
        `process.stderr.write("loading a very large bundle\\n"); setInterval(() => {}, 1000);`,
      );
      try {
        // time out on a line that never comes, until the stderr line has arrived (a busy machine may be slow)
        let message = "";
        for (let i = 0; i < 60 && !message.includes("loading a very large bundle"); i++)
          message = await waitForLine(slow, /never printed/, 1_000).then(
            () => "resolved",
            (e: Error) => e.message,
          );
        expect(message).toMatch(
          /^timed out after \d+ s waiting for \/never printed\/ \(machine load [\d.]+ on \d+ cores\)[\s\S]*its stderr[\s\S]*loading a very large bundle/,
        );
      } finally {
        await stop(slow);
      }
      const dies = node(`process.stderr.write("mlc serve: no deployment 'recs'\\n"); process.exit(2);`);
      await expect(waitForLine(dies, /ready, serving/, 60_000)).rejects.toThrow(
        /exited \(2\) before printing \/ready, serving\/[\s\S]*no deployment 'recs'/,
      );
    },
  );
});
