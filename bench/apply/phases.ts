// The phases of an apply under --cpu-prof: every sample of every thread's profile is given to the
// first phase (in PHASES order) that one of the frames on its stack belongs to, so a prediction made
// by the robustness suites counts as robustness, not as training. What bench/apply prints where the
// target is missed, beside the top self-time functions (bench/cpu-profile.ts).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Phase names and what a frame's URL (or function name) contains when it belongs to the phase. */
const PHASES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["TreeSHAP importance", ["/ml/tree-shap."]],
  ["charts (vega)", ["/vega", "/ml/report/"]],
  ["robustness suites", ["/kinds/model/robustness"]],
  ["report (partial dependence, fairness)", ["/kinds/model/report.", "/ml/explain/", "/ml/fairness/"]],
  [
    "evaluation (bootstrap intervals)",
    ["/kinds/model/evaluate.", "/ml/stats/", "/ml/metrics/", "/ml/calibration/"],
  ],
  [
    "training and search",
    ["/ml/tune/", "/ml/gbdt/", "/ml/tree/", "/kinds/model/train", "/kinds/model/trial"],
  ],
  ["ONNX graph and parity", ["/onnx", "onnxruntime"]],
  ["source, features, split", ["/kinds/source/", "/kinds/features/", "/kinds/split/", "/src/data/"]],
  ["state store and artifacts", ["/runtime/state/", "/runtime/artifacts/", "better-sqlite3"]],
  ["compile and plan", ["/src/compiler/", "/runtime/plan", "/runtime/project", "/src/cli/"]],
  ["module loading", ["node:internal/modules", "compileSourceTextModule", "wrapSafe"]],
  ["garbage collection", ["(garbage collector)"]],
];

/** CPU milliseconds per phase over the profiles in `dir` (idle left out), largest first; "other" last. */
export function phaseTimes(dir: string): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".cpuprofile"))) {
    const p = JSON.parse(readFileSync(join(dir, f), "utf8")) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const phaseOf = new Map<number, string | null>();
    const phase = (id: number): string | null => {
      const known = phaseOf.get(id);
      if (known !== undefined) return known;
      const leaf = byId.get(id)!.callFrame.functionName;
      let found: string | null = "other";
      if (leaf === "(idle)" || leaf === "(program)") found = null;
      else {
        const frames: string[] = [];
        for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
          const cf = byId.get(cur)!.callFrame;
          frames.push(`${cf.url} ${cf.functionName}`);
        }
        const hit = PHASES.find(([, marks]) => frames.some((fr) => marks.some((m) => fr.includes(m))));
        if (hit) found = hit[0];
      }
      phaseOf.set(id, found);
      return found;
    };
    p.samples.forEach((id, i) => {
      const name = phase(id);
      if (name) totals.set(name, (totals.get(name) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
    });
  }
  const other = totals.get("other");
  totals.delete("other");
  return [
    ...[...totals].sort((a, b) => b[1] - a[1]),
    ...(other !== undefined ? [["other", other] as [string, number]] : []),
  ];
}
