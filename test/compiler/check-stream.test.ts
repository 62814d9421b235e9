// `serve = stream { … }` is checked at validate: required names, types, durations, distinct streams,
// no literal password, the transport's URL scheme and NATS names, and no canary/shadow rollout (a stream
// scores every event with one version).
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "./check-helpers.js";

const withServe = (serve: string, extra = ""): string =>
  BASE.replace("serve = rest { port = 8080 }", `serve = ${serve}${extra}`);

const STREAM = 'stream { url = env("MLC_STREAM_URL")  input = "events"  output = "scores" }';

describe("the stream serving target", () => {
  it("accepts a complete target with every attribute", () => {
    const r = check(
      withServe(
        'stream { url = env("U")  input = "events"  output = "scores"  group = "g"  dead_letter = "bad"  batch = 64  claim_idle = 30s  dedup = 2h  workers = 3 }',
      ),
    );
    expect(r.diagnostics).toEqual([]);
  });

  it("requires url, input and output", () => {
    const r = check(withServe('stream { input = "events" }'));
    expect(codes(r.diagnostics).sort()).toEqual(["MLC1113", "MLC1113"].sort());
    expect(r.diagnostics.map((d) => d.message).join("\n")).toMatch(/url[\s\S]*output|output[\s\S]*url/);
  });

  it("checks types and ranges: batch is a positive int, claim_idle a duration", () => {
    const r = check(withServe(STREAM.replace(" }", '  batch = 0  claim_idle = "soon" }')));
    expect(r.diagnostics.length).toBe(2);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "0 is out of range: expected 1 to 65536",
      'expected duration, found the string "soon"',
    ]);
  });

  it("refuses an output that is the input, an empty name, a zero idle time and a literal password", () => {
    const same = check(withServe(STREAM.replace('"scores"', '"events"')));
    expect(codes(same.diagnostics)).toEqual(["MLC1130"]);
    expect(same.diagnostics[0]!.message).toMatch(/`output` must be another stream than `input`/);
    const empty = check(withServe(STREAM.replace('"events"', '""')));
    expect(codes(empty.diagnostics)).toEqual(["MLC1130"]);
    const idle = check(withServe(STREAM.replace(" }", "  claim_idle = 0s  dedup = 0s }")));
    expect(codes(idle.diagnostics)).toEqual(["MLC1130", "MLC1130"]);
    const pw = check(withServe(STREAM.replace('env("MLC_STREAM_URL")', '"redis://u:secret@h:6379"')));
    expect(codes(pw.diagnostics)).toEqual(["MLC1130"]);
  });

  it("chooses the transport: nats needs subjects, a durable name and a nats:// URL; redis refuses nats://", () => {
    const NATS = STREAM.replace("stream {", "stream { transport = nats ");
    expect(check(withServe(NATS.replace('"events"', '"shuttle.readings"'))).diagnostics).toEqual([]);
    expect(check(withServe(NATS.replace('env("MLC_STREAM_URL")', '"nats://h:4222"'))).diagnostics).toEqual(
      [],
    );
    const wild = check(withServe(NATS.replace('"events"', '"shuttle.*"')));
    expect(codes(wild.diagnostics)).toEqual(["MLC1130"]);
    expect(wild.diagnostics[0]!.message).toMatch(/'shuttle\.\*' is not a NATS subject/);
    const group = check(withServe(NATS.replace(" }", '  group = "a.b" }')));
    expect(group.diagnostics[0]!.message).toMatch(/not a JetStream durable consumer name/);
    const scheme = check(withServe(NATS.replace('env("MLC_STREAM_URL")', '"redis://h:6379"')));
    expect(scheme.diagnostics[0]!.message).toMatch(/a nats stream's URL starts with nats:\/\/ or tls:\/\//);
    const onRedis = check(withServe(STREAM.replace('env("MLC_STREAM_URL")', '"nats://h:4222"')));
    expect(onRedis.diagnostics[0]!.message).toMatch(/needs `transport = nats`/);
    const other = check(withServe(STREAM.replace("stream {", "stream { transport = kafka ")));
    expect(codes(other.diagnostics)).toEqual(["MLC1130"]);
    expect(other.diagnostics[0]!.message).toBe("`kafka` is not allowed here: expected one of redis, nats");
  });

  it("refuses a canary or shadow rollout beside a stream target", () => {
    const r = check(withServe(STREAM, "  rollout = canary(10%)"));
    expect(codes(r.diagnostics)).toEqual(["MLC1126"]);
    expect(r.diagnostics[0]!.message).toMatch(/serves a stream/);
    expect(check(withServe(STREAM, "  rollout = immediate")).diagnostics).toEqual([]);
  });
});
