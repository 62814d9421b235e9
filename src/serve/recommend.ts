// The recommendation a deployment gives one user: the model path (exact top-K over the retrieval
// file's catalogue) for a user training saw, else the deployment's cold-start chain in order, else
// nothing (the caller answers 404). Shared by POST /v1/recommend and batch top-K (`mlc recommend`).
import type { Recommendation, Retrieval } from "../ml/recommend/retrieval.js";
import type { ColdStartPath } from "./recommend-config.js";

/** The largest k a request may ask for. */
export const MAX_K = 1000;
export const DEFAULT_K = 10;

export interface RecommendQuery {
  /** The user's index value (the model's user feature). */
  user: number;
  k: number;
  excludeSeen: boolean;
}

/** Which path answered: the model, or one of the cold-start chain. */
export type RecommendPath = "model" | ColdStartPath;

export type RecommendOutcome = { path: RecommendPath; items: Recommendation[] } | { unknownUser: true };

export function recommendFor(
  retrieval: Retrieval,
  coldStart: readonly ColdStartPath[] | undefined,
  q: RecommendQuery,
): RecommendOutcome {
  const u = retrieval.userRow(q.user);
  if (u >= 0) return { path: "model", items: retrieval.topK(u, q.k, q.excludeSeen) };
  for (const path of coldStart ?? []) {
    switch (path) {
      case "popularity":
        // a cold-start user has no seen items to exclude
        return { path, items: retrieval.popular(q.k) };
    }
  }
  return { unknownUser: true };
}

export type QueryProblem = { field: string; message: string };

/** Reads a request body `{user, k?, exclude_seen?}`; a problem names the field. */
export function parseRecommendQuery(body: unknown): RecommendQuery | QueryProblem {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { field: "", message: 'expected a JSON object: {"user": 12, "k": 10, "exclude_seen": true}' };
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b))
    if (key !== "user" && key !== "k" && key !== "exclude_seen")
      return { field: key, message: `unknown field '${key.slice(0, 100)}' (fields: user, k, exclude_seen)` };
  const rawUser = b.user;
  const user =
    typeof rawUser === "number"
      ? rawUser
      : typeof rawUser === "string" && /^\d{1,15}$/.test(rawUser)
        ? Number(rawUser)
        : NaN;
  if (rawUser === undefined) return { field: "user", message: "user is required" };
  if (!Number.isSafeInteger(user) || user < 0)
    return {
      field: "user",
      message: `user must be a user index (a whole number, 0 or more), got ${JSON.stringify(rawUser)?.slice(0, 100)}`,
    };
  const k = b.k === undefined ? DEFAULT_K : b.k;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > MAX_K)
    return {
      field: "k",
      message: `k must be a whole number from 1 to ${MAX_K}, got ${JSON.stringify(k)?.slice(0, 100)}`,
    };
  const ex = b.exclude_seen === undefined ? false : b.exclude_seen;
  if (typeof ex !== "boolean")
    return {
      field: "exclude_seen",
      message: `exclude_seen must be true or false, got ${JSON.stringify(ex)?.slice(0, 100)}`,
    };
  return { user, k, excludeSeen: ex };
}
