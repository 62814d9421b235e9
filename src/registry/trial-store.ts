// Records tuning trials in the state store one by one, so an interrupted search resumes where it
// stopped and raising `trials` runs only the missing ones. Keyed by the model and its study key.
import type { ObjectiveSpec, TrialRecord, TrialStore } from "../ml/tune/trial.js";
import type { Json } from "../ir/graph-ir.js";
import type { StateStore } from "../ir/state-store.js";

const COLLECTION = "tuning_trials";
/** One record per study: its objective (targets and pick rule), so `mlc trials` can mark the Pareto front. */
const STUDIES = "tuning_studies";

export class StateTrialStore implements TrialStore {
  constructor(
    private readonly state: StateStore,
    private readonly model: string,
    private readonly studyKey: string,
  ) {}

  private prefix(): string {
    return `${this.model}/${this.studyKey}/`;
  }

  async load(): Promise<TrialRecord[]> {
    return (await this.state.records.list(COLLECTION, this.prefix())).map(
      (r) => r.value as unknown as TrialRecord,
    );
  }

  async record(trial: TrialRecord): Promise<void> {
    await this.state.records.put(
      COLLECTION,
      `${this.prefix()}${String(trial.index).padStart(6, "0")}`,
      trial as unknown as Json,
    );
  }

  /** Records what the study optimises (before its first trial, so every recorded trial has it). */
  async saveObjective(objective: ObjectiveSpec): Promise<void> {
    await this.state.records.put(STUDIES, `${this.model}/${this.studyKey}`, { objective } as unknown as Json);
  }
}

/** The objective of each recorded study of a model, by study key (studies recorded before objectives were kept have none). */
export async function studyObjectives(state: StateStore, model: string): Promise<Map<string, ObjectiveSpec>> {
  const out = new Map<string, ObjectiveSpec>();
  for (const r of await state.records.list(STUDIES, `${model}/`))
    out.set(r.key.split("/")[1]!, (r.value as unknown as { objective: ObjectiveSpec }).objective);
  return out;
}

/** Every trial recorded for a model (all its studies), for `mlc trials`. */
export async function trialsOfModel(
  state: StateStore,
  model: string,
): Promise<{ study: string; trial: TrialRecord }[]> {
  return (await state.records.list(COLLECTION, `${model}/`)).map((r) => ({
    study: r.key.split("/")[1]!,
    trial: r.value as unknown as TrialRecord,
  }));
}
