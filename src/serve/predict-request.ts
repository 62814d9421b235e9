// The body of a prediction request, `mlc serve`'s `/v1/predict` and the serverless handler alike:
// one JSON record, or `{"instances": [records…]}` of at most `maxBatch` records. Pure; a bad body
// becomes a JSON 400 problem naming the field.

/** Records per request unless the server is told otherwise. */
export const DEFAULT_MAX_BATCH = 1024;

/** The records to score, and whether they came as a batch (`instances`). */
export interface PredictRecords {
  records: unknown[];
  batched: boolean;
}

/** Why a body cannot be scored: always a 400, with the JSON the API returns. */
export interface PredictBodyProblem {
  status: 400;
  body: { error: string; message: string; field?: string };
}

export function isBodyProblem(r: PredictRecords | PredictBodyProblem): r is PredictBodyProblem {
  return "status" in r;
}

export function predictRecords(body: unknown, maxBatch: number): PredictRecords | PredictBodyProblem {
  const problem = (error: string, message: string, field?: string): PredictBodyProblem => ({
    status: 400,
    body: { error, ...(field !== undefined ? { field } : {}), message },
  });
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return problem("invalid_request", 'expected a JSON object: one record, or {"instances": [records…]}');
  if (!Object.hasOwn(body, "instances")) return { records: [body], batched: false };
  const inst = (body as { instances: unknown }).instances;
  if (!Array.isArray(inst))
    return problem("invalid_request", "instances must be a list of records", "instances");
  if (inst.length === 0) return problem("invalid_request", "instances is empty", "instances");
  if (inst.length > maxBatch)
    return problem(
      "batch_too_large",
      `at most ${maxBatch} instances per request, got ${inst.length}`,
      "instances",
    );
  return { records: inst, batched: true };
}
