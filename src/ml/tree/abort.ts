// The error a tree learner throws when its FitContext signal is aborted: the signal's own
// reason when it is an Error, else an AbortError.

export function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error("training aborted");
  e.name = "AbortError";
  return e;
}
