// Records tuning trials in the state store one by one, so an interrupted search resumes where it
// stopped and raising `trials` runs only the missing ones. Keyed by the model and its study key.
import type { TrialRecord, TrialStore } from "../../../ml/tune/trial.js";
import type { Json } from "../../graph-ir.js";
import type { StateStore } from "../../state/store.js";

const COLLECTION = "tuning_trials";

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
    return (await this.state.records.list(COLLECTION, this.prefix())).map((r) => r.value as unknown as TrialRecord);
  }

  async record(trial: TrialRecord): Promise<void> {
    await this.state.records.put(COLLECTION, `${this.prefix()}${String(trial.index).padStart(6, "0")}`, trial as unknown as Json);
  }
}

/** Every trial recorded for a model (all its studies), for `mlc trials`. */
export async function trialsOfModel(state: StateStore, model: string): Promise<{ study: string; trial: TrialRecord }[]> {
  return (await state.records.list(COLLECTION, `${model}/`)).map((r) => ({ study: r.key.split("/")[1]!, trial: r.value as unknown as TrialRecord }));
}
