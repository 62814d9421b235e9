// What `mlc apply` shows while nodes run. On a terminal: one live line, rewritten in place, with each
// running node's tuning trial k/N and the best value so far, the final fit's round r/R, the elapsed
// time and an ETA; the lines nodes log are printed above it. Elsewhere (CI, a pipe): no rewriting,
// but a progress line per running node every `intervalMs`, so a log shows the apply is alive and
// how far it got. Rounds are never printed one line each.
//
// Trials reach the CLI as the model executor's log lines (`trial 7: auc = 0.81234 {…}`); the study's
// size and the first objective (its key and direction) come from the planned model's tune block.
import type { StudyInfo } from "../runtime/plan-studies.js";

export { studiesOf, type StudyInfo } from "../runtime/plan-studies.js";

interface Running {
  started: number;
  trialsDone: number;
  lastTrial?: number;
  best?: number;
  firstTrialAt?: number;
  round?: { step: number; total?: number; since: number };
}

export interface ProgressOptions {
  /** Whether stdout is a terminal: a live line instead of periodic ones. */
  tty: boolean;
  write(s: string): void;
  /** The terminal's width (the live line is cut to it). */
  columns?: number;
  now?: () => number;
  /** How often a line per running node is printed when not on a terminal (default 30 s). */
  intervalMs?: number;
}

const CLEAR = "\r\x1b[2K";

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

const TRIAL_LINE = /^trial (\d+): /;

export class ApplyProgress {
  private readonly running = new Map<string, Running>();
  private live = "";
  private lastPeriodic: number;
  private readonly now: () => number;
  private readonly interval: number;

  constructor(
    private studies: ReadonlyMap<string, StudyInfo>,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.interval = opts.intervalMs ?? 30_000;
    this.lastPeriodic = this.now();
  }

  /** The planned studies (known once the plan is made, after the display started). */
  setStudies(studies: ReadonlyMap<string, StudyInfo>): void {
    this.studies = studies;
  }

  /** Prints a line of the apply's log (above the live line on a terminal). */
  line(text: string): void {
    if (this.opts.tty && this.live) this.opts.write(CLEAR + text + this.live);
    else this.opts.write(text);
  }

  start(id: string): void {
    this.running.set(id, { started: this.now(), trialsDone: 0 });
    this.redraw();
  }

  stop(id: string): void {
    this.running.delete(id);
    this.redraw();
  }

  /** A node's log line: a trial's result is counted (and its objective value kept when best). */
  log(id: string, message: string): void {
    const r = this.running.get(id);
    const study = this.studies.get(id);
    const m = TRIAL_LINE.exec(message);
    if (r && study && m) {
      r.trialsDone++;
      r.lastTrial = Number(m[1]);
      r.firstTrialAt ??= r.started;
      const key = study.key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const v = new RegExp(`(?:^|[ ,:])${key} = (-?\\d+(?:\\.\\d+)?(?:e-?\\d+)?)`).exec(
        message.slice(m[0].length),
      );
      if (v) {
        const value = Number(v[1]);
        if (r.best === undefined || (study.direction === "maximize" ? value > r.best : value < r.best))
          r.best = value;
      }
    }
    this.line(`${id}: ${message}\n`);
  }

  /** A node's iteration (a boosting round, an epoch): shown live, never one line each. */
  progress(id: string, step: number, total?: number): void {
    const r = this.running.get(id);
    if (!r) return;
    if (!r.round || step < r.round.step) r.round = { step, total, since: this.now() };
    else r.round = { ...r.round, step, total };
    this.redraw();
  }

  /** The status of a running node: trial k/N and best, round r/R, elapsed, ETA. */
  status(id: string): string | undefined {
    const r = this.running.get(id);
    if (!r) return undefined;
    const now = this.now();
    const parts: string[] = [];
    const study = this.studies.get(id);
    let eta: number | undefined;
    if (study && (r.trialsDone > 0 || !r.round)) {
      // trials are numbered from 0: after trial 7 of 8, eight are done
      const k = r.lastTrial !== undefined ? r.lastTrial + 1 : 0;
      parts.push(
        `trial ${k}/${study.trials}${r.best !== undefined ? `, best ${study.key} ${Number(r.best.toFixed(5))}` : ""}`,
      );
      if (!r.round && r.trialsDone > 0 && k < study.trials)
        eta = ((now - r.started) / r.trialsDone) * (study.trials - k);
    }
    if (r.round) {
      parts.push(`round ${r.round.step}${r.round.total ? `/${r.round.total}` : ""}`);
      if (r.round.total && r.round.step > 0)
        eta = ((now - r.round.since) / r.round.step) * (r.round.total - r.round.step);
    }
    parts.push(`${duration(now - r.started)} elapsed`);
    if (eta !== undefined) parts.push(`ETA ${duration(eta)}`);
    return `${id}: ${parts.join(", ")}`;
  }

  /** Called every second or so: redraws the live line, or prints the periodic lines when due. */
  tick(): void {
    if (this.opts.tty) return this.redraw();
    if (this.now() - this.lastPeriodic < this.interval) return;
    this.lastPeriodic = this.now();
    for (const id of this.running.keys()) this.opts.write(`${this.status(id)}\n`);
  }

  /** Clears the live line (before the summary). */
  close(): void {
    if (this.opts.tty && this.live) this.opts.write(CLEAR);
    this.live = "";
  }

  private redraw(): void {
    if (!this.opts.tty) return;
    const statuses = [...this.running.keys()].map((id) => this.status(id)!);
    let text = statuses.join(" | ");
    const width = (this.opts.columns ?? 80) - 1;
    if (text.length > width) text = text.slice(0, Math.max(0, width - 1)) + "…";
    if (text === this.live.replace(CLEAR, "")) return;
    this.opts.write(CLEAR + text);
    this.live = text ? CLEAR + text : "";
  }
}
