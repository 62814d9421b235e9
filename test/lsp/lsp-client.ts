// A minimal LSP client for tests: Content-Length framing over two in-memory streams, a server
// started in-process on them, requests with their results and the notifications received.
import { PassThrough } from "node:stream";
import { startLanguageServer } from "../../src/lsp/server.js";

type Msg = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string };
};

/** A minimal LSP client: Content-Length framing over two in-memory streams. */
export function client() {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const connection = startLanguageServer(toServer, fromServer);
  const waiting = new Map<number, (r: unknown) => void>();
  const notes: Msg[] = [];
  const watchers: (() => void)[] = [];
  let buf = Buffer.alloc(0);
  fromServer.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const head = buf.indexOf("\r\n\r\n");
      if (head < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString())![1]);
      if (buf.length < head + 4 + len) return;
      const msg = JSON.parse(buf.subarray(head + 4, head + 4 + len).toString()) as Msg;
      buf = buf.subarray(head + 4 + len);
      // an error answer resolves as { error } so a test can check it
      if (msg.id !== undefined && !msg.method)
        waiting.get(msg.id)?.(msg.error ? { error: msg.error } : msg.result);
      else notes.push(msg);
      for (const w of watchers) w();
    }
  });
  const send = (m: object) => {
    const body = JSON.stringify({ jsonrpc: "2.0", ...m });
    toServer.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  let next = 1;
  return {
    connection,
    request: (method: string, params: object) =>
      new Promise<unknown>((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        send({ id, method, params });
      }),
    notify: (method: string, params: object) => send({ method, params }),
    /** The next diagnostics published for `uri` after `since` notifications. */
    diagnostics: (uri: string, since: number) =>
      new Promise<{ range: unknown; message: string; code: string; severity: number }[]>((resolve) => {
        const look = () => {
          const m = notes
            .slice(since)
            .find((n) => n.method === "textDocument/publishDiagnostics" && n.params?.uri === uri);
          if (m) resolve(m.params!.diagnostics as never);
        };
        watchers.push(look);
        look();
      }),
    count: () => notes.length,
  };
}
