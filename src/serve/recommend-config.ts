// What a deployment pointer says about /v1/recommend: the cold-start chain, the paths tried in order
// for a user the model's retrieval file does not know. Shared by the deploy kind (which writes it
// from `cold_start = [...]`) and the server (which reads it).

/** The cold-start paths there are: `popularity` answers with the items' recent, time-decayed popularity. */
export const COLD_START_PATHS = ["popularity"] as const;
export type ColdStartPath = (typeof COLD_START_PATHS)[number];

/** Problems with a pointer's `cold_start` value ("cold_start: problem"); empty when valid. */
export function validateColdStart(v: unknown): string[] {
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    !v.every((p) => (COLD_START_PATHS as readonly unknown[]).includes(p)) ||
    new Set(v).size !== v.length
  )
    return [`cold_start: expected a non-empty list of distinct paths among ${COLD_START_PATHS.join(", ")}`];
  return [];
}
