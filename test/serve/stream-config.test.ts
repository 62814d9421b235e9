// The recorded stream target: its transport is checked where `mlc serve` reads it, and a broker URL of the
// other transport's scheme is refused with MLC2315 before any connection is tried.
import { afterEach, describe, expect, it } from "vitest";
import { streamUrl, validateStreamTarget, type StreamTarget } from "../../src/serve/stream-config.js";

const base: StreamTarget = {
  format: "mlc-stream/1",
  url_env: "MLC_TEST_STREAM_URL_CHECK",
  input: "events",
  output: "scores",
  group: "g",
  dead_letter: "events.dead",
  batch: 8,
  claim_idle_ms: 1000,
  dedup_s: 60,
  workers: 1,
};

describe("stream target transport", () => {
  afterEach(() => {
    delete process.env.MLC_TEST_STREAM_URL_CHECK;
  });

  it("refuses a URL of the other transport with MLC2315 and a hint", () => {
    process.env.MLC_TEST_STREAM_URL_CHECK = "nats://127.0.0.1:4222";
    expect(() => streamUrl(base)).toThrow(
      expect.objectContaining({
        code: "MLC2315",
        message:
          "the stream's URL (MLC_TEST_STREAM_URL_CHECK) is not a Redis URL: expected redis:// or rediss://, found 'nats://'",
        hint: expect.stringMatching(/transport = nats/),
      }),
    );
    expect(streamUrl({ ...base, transport: "nats" })).toBe("nats://127.0.0.1:4222");
    process.env.MLC_TEST_STREAM_URL_CHECK = "127.0.0.1:6379";
    expect(() => streamUrl({ ...base, transport: "nats" })).toThrow(/not a NATS URL: .* found no scheme/);
  });

  it("validates the recorded transport, and refuses alert rules on NATS", () => {
    expect(validateStreamTarget({ ...base, transport: "nats" })).toEqual([]);
    expect(validateStreamTarget({ ...base, transport: "kafka" })).toEqual([
      'transport: expected "nats" or none',
    ]);
    const rule = {
      name: "a",
      webhook_env: "A",
      count: 1,
      within_ms: 0,
      cooldown_ms: 1000,
      timeout_ms: 1000,
      retries: 0,
    };
    expect(validateStreamTarget({ ...base, transport: "nats", alerts: [rule] })).toEqual([
      "alerts: alert rules need the redis transport",
    ]);
  });
});
