// Posts a monitor's breach report to a webhook: JSON, a timeout per attempt, and retries with
// exponential backoff on network errors and 5xx/429 answers. The URL is never logged (it may hold
// a token); callers name the alert by its monitor instead.

export interface AlertDelivery {
  delivered: boolean;
  attempts: number;
  /** The last HTTP status, when the webhook answered. */
  status?: number;
  /** Why delivery failed, without the URL. */
  error?: string;
}

export interface AlertOptions {
  timeoutMs?: number;
  retries?: number;
  /** The first retry waits this long; each later one twice as long. */
  backoffMs?: number;
}

const retryable = (status: number) => status >= 500 || status === 429;

/** Sends `report` as a JSON POST; resolves with what happened, never throws. */
export async function postAlert(
  url: string,
  report: unknown,
  opts: AlertOptions = {},
): Promise<AlertDelivery> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const retries = opts.retries ?? 3;
  const backoffMs = opts.backoffMs ?? 500;
  const body = JSON.stringify(report);
  let last: AlertDelivery = { delivered: false, attempts: 0 };
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    try {
      const r = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "mlc-monitor" },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await r.arrayBuffer().catch(() => undefined);
      if (r.ok) return { delivered: true, attempts: attempt, status: r.status };
      last = {
        delivered: false,
        attempts: attempt,
        status: r.status,
        error: `the webhook answered ${r.status}`,
      };
      if (!retryable(r.status)) return last;
    } catch (e) {
      const err = e as Error;
      last = {
        delivered: false,
        attempts: attempt,
        error:
          err.name === "TimeoutError"
            ? `no answer within ${timeoutMs} ms`
            : `cannot reach the webhook (${(err.cause as Error | undefined)?.message ?? err.message})`,
      };
    }
    if (attempt <= retries) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
  }
  return last;
}
