// The raw node:http path of `POST /v1/predict`: a 'request' listener ahead of fastify's that answers the
// usual request itself (no fastify request, reply, hook chain or promise wrapping per request) with the
// bytes fastify would send: the same answer (predict-answer.ts), body parser, error JSON and headers in
// the same order. Whatever it cannot answer exactly as fastify would (another route or method, another
// content type, no Content-Length or one over the limit, a missing or wrong token, per-request logging,
// a draining server) it leaves untouched for fastify, before reading a byte of the body.
import { isAscii } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServedBy } from "./metrics.js";
import type { PredictAnswer, PredictAnswerer, RequestLogger } from "./predict-answer.js";

/** A parsed body, or the error fastify's JSON parser gives for it. */
export type ParsedBody = { value: unknown; error?: undefined } | { error: Error };

/** What the error handler answers for an error: its status and JSON body. */
export interface ErrorAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface FastPredictOptions {
  /** Largest body in bytes (fastify's bodyLimit). */
  bodyLimit: number;
  /** Whether the fast path may answer a request now (false while requests are logged one by one). */
  open(): boolean;
  /** Whether the request's Authorization header passes (true when the server has no token). */
  authorized(header: string | undefined): boolean;
  /** Draining: answers carry `Connection: close`, as the server's onSend hook adds it. */
  closing(): boolean;
  requestId(req: IncomingMessage): string;
  /** The server's body parser (its fastify content-type parser calls the same). */
  parse(text: string): ParsedBody;
  /** The server's error handler's answer (its fastify error handler calls the same). */
  errorAnswer(err: Error & { statusCode?: number; code?: string }): ErrorAnswer;
  answer: PredictAnswerer;
  logger: RequestLogger;
  /** A finished request, for the request counter and latency histogram (fastify's onResponse hook). */
  finished(status: number, seconds: number, servedBy: ServedBy | undefined): void;
}

const JSON_TYPE = "application/json; charset=utf-8";

/**
 * A listener for the http server's 'request' event: returns true when it took the request (and will
 * answer it), false when fastify must handle it.
 */
export function fastPredictListener(
  o: FastPredictOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  /**
   * Writes an answer with fastify's headers in fastify's order: `Connection: close` first after a body
   * it could not read or parse (the client may send more of it), then the route's header, the type,
   * the onSend hook's `Connection: close` while draining, and the length.
   */
  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    ascii: boolean,
    version: number | undefined,
    badBody: boolean,
  ): void => {
    const headers: Record<string, string> = badBody
      ? { connection: "close", "content-type": JSON_TYPE }
      : version !== undefined
        ? { "x-model-version": String(version), "content-type": JSON_TYPE }
        : { "content-type": JSON_TYPE };
    if (o.closing()) headers.connection = "close";
    headers["content-length"] = String(ascii ? body.length : Buffer.byteLength(body));
    res.writeHead(status, headers);
    // an ASCII body is its own latin1 bytes: node then sizes its write buffer at one byte a character
    // (three for UTF-8, which for a ~340-byte answer is a large malloc) and copies instead of encoding
    if (ascii) res.end(body, "latin1");
    else res.end(body);
  };

  return (req, res) => {
    if (req.method !== "POST" || req.url !== "/v1/predict") return false;
    const h = req.headers;
    const type = h["content-type"];
    if (type !== "application/json" && type !== "application/json; charset=utf-8") return false;
    const length = h["content-length"];
    // node's parser refuses a Content-Length that is not digits, and ends the body exactly at it
    if (length === undefined || h["transfer-encoding"] !== undefined) return false;
    const bytes = Number(length);
    if (!(bytes > 0 && bytes <= o.bodyLimit) || !o.open() || !o.authorized(h.authorization)) return false;

    const start = performance.now();
    const id = o.requestId(req);
    let sent = false;
    const done = (
      status: number,
      body: string,
      ascii: boolean,
      version: number | undefined,
      by: ServedBy | undefined,
      badBody = false,
    ): void => {
      if (sent) return; // a stream error after the answer began
      sent = true;
      try {
        send(res, status, body, ascii, version, badBody);
      } catch (err) {
        // never thrown by the headers written here; a broken response must not end the process
        o.logger.error({ err }, "request failed");
        return;
      }
      o.finished(status, (performance.now() - start) / 1000, by);
    };
    const fail = (err: Error & { statusCode?: number }, badBody = false): void => {
      const a = o.errorAnswer(err);
      if (a.status === 500) o.logger.error({ err }, "request failed");
      done(a.status, JSON.stringify(a.body), false, undefined, undefined, badBody);
    };
    const answered = (a: PredictAnswer): void =>
      "json" in a
        ? done(a.status, a.json, a.ascii, a.version, a.servedBy)
        : done(a.status, JSON.stringify(a.problem), false, undefined, undefined);

    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", (err: Error & { statusCode?: number }) => {
      // as fastify's body reader: a stream error is a 400 unless it says otherwise
      if (!(typeof err.statusCode === "number" && err.statusCode >= 400)) err.statusCode = 400;
      fail(err, true);
    });
    req.on("end", () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      // bytes all below 0x80 are the same text in UTF-8 and latin1, and latin1 is a copy, not a decode
      const ascii = isAscii(body);
      const text = body.toString(ascii ? "latin1" : "utf8");
      const parsed = o.parse(text);
      if (parsed.error) return fail(parsed.error, true);
      o.answer({
        body: parsed.value,
        raw: text,
        rawAscii: ascii,
        id,
        received: Date.now(),
        elapsedMs: () => performance.now() - start,
        logger: o.logger,
      }).then(answered, (err: Error) => fail(err));
    });
    return true;
  };
}
