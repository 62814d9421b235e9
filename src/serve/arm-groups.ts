// Which version scores each record of a request: the stable one, a canary's candidate chosen by a
// stable hash of the rollout key, or an experiment's arm chosen by its key. /v1/predict and the Open
// Inference Protocol's /v2 infer route the same record to the same arm; /v1/recommend routes a user
// as /v1/predict routes a record whose key field holds that user.
import { chooseExperimentArm } from "./experiment-route.js";
import type { Routing } from "./live-deployment.js";
import type { ModelRunner } from "./model-runner.js";
import type { OnlineView } from "./online-lookup.js";
import { chooseArm, type Arm } from "./routing.js";

export interface ArmGroup {
  /** stable | canary, or the experiment arm's name. */
  arm: Arm | string;
  /** The experiment routing this group, if any. */
  experiment?: string;
  runner: ModelRunner;
  /** The online table the arm's version fills omitted inputs from. */
  online?: OnlineView;
  /** Indices into the request's records; undefined = all of them in order. */
  rows?: number[];
}

/** A record without the experiment's key: the field it needs and the record's index. */
export interface MissingKey {
  missing: string;
  index: number;
}

const stableOnly = new WeakMap<Routing, ArmGroup[]>();

export function armGroups(routing: Routing, records: unknown[]): ArmGroup[] | MissingKey {
  if (routing.experiment) return experimentGroups(routing.experiment, records);
  const rollout = routing.rollout;
  const stable: ArmGroup = {
    arm: "stable",
    runner: routing.stable,
    ...(routing.stableOnline ? { online: routing.stableOnline } : {}),
  };
  if (!rollout || rollout.kind !== "canary" || !routing.candidate) {
    let g = stableOnly.get(routing);
    if (!g) stableOnly.set(routing, (g = [stable]));
    return g;
  }
  const canary: ArmGroup = {
    arm: "canary",
    runner: routing.candidate,
    ...(routing.candidateOnline ? { online: routing.candidateOnline } : {}),
  };
  const stableRows: number[] = [];
  const canaryRows: number[] = [];
  for (let i = 0; i < records.length; i++)
    (chooseArm(rollout, records[i]) === "canary" ? canaryRows : stableRows).push(i);
  if (canaryRows.length === 0) return [stable];
  if (stableRows.length === 0) return [canary];
  return [
    { ...stable, rows: stableRows },
    { ...canary, rows: canaryRows },
  ];
}

/**
 * The arm that answers /v1/recommend for `user`: the user's value stands as the value of the canary's
 * or experiment's key field, so a user whose /v1/predict records carry `key = <user>` gets the same
 * version from both endpoints. A shadow candidate answers nothing.
 */
export function recommendArm(routing: Routing, user: number): ArmGroup {
  const key =
    routing.experiment?.route.key ?? (routing.rollout?.kind === "canary" ? routing.rollout.key : undefined);
  const groups = armGroups(routing, [key === undefined ? {} : { [key]: user }]);
  // the record holds the key, so no experiment reports it missing
  return "missing" in groups ? { arm: "stable", runner: routing.stable } : groups[0]!;
}

/** Records grouped by experiment arm; the first record without the key (and no default arm) fails the request. */
function experimentGroups(
  experiment: NonNullable<Routing["experiment"]>,
  records: unknown[],
): ArmGroup[] | MissingKey {
  const rows = new Map<string, number[]>();
  for (let i = 0; i < records.length; i++) {
    const c = chooseExperimentArm(experiment.route, records[i]);
    if ("missing" in c) return { missing: c.missing, index: i };
    let r = rows.get(c.arm);
    if (!r) rows.set(c.arm, (r = []));
    r.push(i);
  }
  const out: ArmGroup[] = [];
  for (const [arm, r] of rows) {
    const a = experiment.arms.get(arm)!;
    out.push({
      arm,
      experiment: experiment.route.name,
      runner: a.runner,
      ...(a.online ? { online: a.online } : {}),
      ...(r.length === records.length ? {} : { rows: r }),
    });
  }
  return out;
}
