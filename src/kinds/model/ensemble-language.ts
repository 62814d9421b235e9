// The checks of an ensemble model (`algorithm = stack([a, b], meta = logistic)` or `vote([a, b], …)`,
// built-ins in src/compiler/builtins/ensembles.ts): what the runtime (src/kinds/model/ensemble.ts)
// needs of its members, known at `mlc validate`. Unknown members, non-model members, cycles and
// negative weights are refused by the generic type check; these add what needs the members' blocks.
import type { Block, Expr } from "../../compiler/ast.js";
import { spanFreeText } from "../../compiler/ast-equal.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { ENSEMBLE_ALGORITHMS } from "../../compiler/builtins/ensembles.js";

/** The ensemble codes (registered in src/compiler/diagnostic-codes.ts). */
export const EnsembleCode = {
  taskMismatch: "MLC1230",
  splitMismatch: "MLC1231",
  memberRefused: "MLC1232",
  weightsCount: "MLC1233",
  taskUnsuited: "MLC1234",
  metaUnsuited: "MLC1235",
  memberSetting: "MLC1236",
  featuresNotShared: "MLC1237",
  memberTwice: "MLC1238",
} as const;

type Call = Extract<Expr, { type: "call" }>;

const ENSEMBLES = new Set(ENSEMBLE_ALGORITHMS);

/** A block's `algorithm = stack(…)` or `vote(…)` call, if it is an ensemble. */
export function ensembleCall(block: Block): Call | undefined {
  for (const item of block.body)
    if (item.type === "attribute" && item.name === "algorithm" && item.value.type === "call")
      return ENSEMBLES.has(item.value.callee) ? item.value : undefined;
  return undefined;
}

const argOf = (call: Call, index: number, name: string): Expr | undefined =>
  call.named.find((n) => n.name === name)?.value ?? call.args[index];

const attributeOf = (block: Block, name: string): Expr | undefined => {
  const item = block.body.find((i) => i.type === "attribute" && i.name === name);
  return item?.type === "attribute" ? item.value : undefined;
};

/** Attributes as written, without positions: two splits with equal ones deal rows alike. */
function definition(block: Block): string {
  const attrs = block.body
    .flatMap((i) => (i.type === "attribute" ? [[i.name, spanFreeText(i.value)] as const] : []))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(attrs);
}

const isKfold = (split: Block | undefined): boolean => {
  const m = split ? attributeOf(split, "method") : undefined;
  return m?.type === "call" && m.callee === "kfold";
};

export function checkEnsemble(ctx: KindCheckContext): void {
  const call = ensembleCall(ctx.block);
  if (!call) return;
  const what = call.callee === "stack" ? "a stacked ensemble" : "a voting ensemble";
  const task = ctx.taskOf(ctx.name);
  if (task && task.task !== "classify" && task.task !== "regress")
    ctx.report(
      EnsembleCode.taskUnsuited,
      call.calleeSpan,
      `${call.callee}(…) combines classifiers or regressors, and model \`${ctx.name}\` does ${task.task}`,
      {
        hint:
          call.callee === "vote"
            ? "vote averages probabilities (classify) or predictions (regress); use one model for this task"
            : "stack a classify or regress task; use one model for this task",
      },
    );
  checkOwnSettings(ctx, what);
  if (call.callee === "stack") checkMeta(ctx, call, task?.task);
  const list = argOf(call, 0, "members");
  const items = list?.type === "list" ? list.items : [];
  if (call.callee === "vote") checkWeights(ctx, call, items.length);
  const seen = new Map<string, Expr>();
  for (const item of items) {
    const name = ctx.refName(item);
    const member = name !== undefined ? ctx.lookup(name) : undefined;
    if (name === undefined || member?.kind !== "model" || name === ctx.name) continue; // the type check reports these
    const first = seen.get(name);
    if (first) {
      ctx.report(EnsembleCode.memberTwice, item.span, `\`${name}\` is already a member of this ensemble`, {
        hint: "name each member once; weigh it with `vote(…, weights = […])`",
        related: [{ message: "first named here", span: first.span }],
      });
      continue;
    }
    seen.set(name, item);
    checkMember(ctx, item, name, member);
  }
}

/** A member serves as it is: its own task, split and features must be the ensemble's. */
function checkMember(ctx: KindCheckContext, ref: Expr, name: string, member: Block): void {
  if (ensembleCall(member)) {
    ctx.report(
      EnsembleCode.memberRefused,
      ref.span,
      `\`${name}\` is itself an ensemble, and an ensemble's members are single models`,
      { hint: `list the members of \`${name}\` here instead` },
    );
    return;
  }
  const calibrate = attributeOf(member, "calibrate");
  if (calibrate?.type === "ref" && calibrate.path[0] !== "none")
    ctx.report(
      EnsembleCode.memberRefused,
      ref.span,
      `member \`${name}\` is calibrated (\`calibrate = ${calibrate.path.join(".")}\`), and its out-of-fold fits could not be`,
      {
        hint: `remove \`calibrate\` from \`${name}\`; a stack's logistic meta learner calibrates the combined probabilities`,
      },
    );
  const mine = ctx.taskOf(ctx.name);
  const theirs = ctx.taskOf(name);
  const positive = (b: Block): string => {
    const t = attributeOf(b, "task");
    const p = t?.type === "call" ? argOf(t, 1, "positive") : undefined;
    return p ? spanFreeText(p) : "";
  };
  if (
    mine &&
    theirs &&
    (mine.task !== theirs.task || mine.label !== theirs.label || positive(ctx.block) !== positive(member))
  )
    ctx.report(
      EnsembleCode.taskMismatch,
      ref.span,
      `member \`${name}\` does ${theirs.task}(${theirs.label ?? ""}), and the ensemble \`${ctx.name}\` does ${mine.task}(${mine.label ?? ""})`,
      { hint: "an ensemble combines models of its own task and label" },
    );
  const data = ctx.refName(ctx.attribute("data"));
  const theirData = ctx.refName(attributeOf(member, "data"));
  if (data !== undefined && theirData !== undefined) {
    const split = ctx.lookup(data);
    const theirSplit = ctx.lookup(theirData);
    if (isKfold(split) && theirData === data)
      ctx.report(
        EnsembleCode.splitMismatch,
        ctx.attribute("data")!.span,
        `split \`${data}\` is a kfold split, and an ensemble is evaluated on valid or test rows its members never saw`,
        { hint: "give the ensemble and its members a split with `train`, `valid` and `test` parts" },
      );
    else if (
      theirData !== data &&
      (!split || !theirSplit || isKfold(split) || definition(split) !== definition(theirSplit))
    )
      ctx.report(
        EnsembleCode.splitMismatch,
        ref.span,
        `member \`${name}\` learns from split \`${theirData}\`, and the ensemble from \`${data}\`, which deals rows differently`,
        {
          hint: `use \`data = ${data}\` in \`${name}\` (a split with the same definition also fits): the ensemble is evaluated on rows no member trained on`,
        },
      );
  }
  const offered = new Set(ctx.featuresOf(ctx.attribute("features")).map((f) => `${f.block}.${f.feature}`));
  const missing = ctx
    .featuresOf(attributeOf(member, "features"))
    .map((f) => `${f.block}.${f.feature}`)
    .filter((f) => !offered.has(f));
  if (missing.length)
    ctx.report(
      EnsembleCode.featuresNotShared,
      ref.span,
      `member \`${name}\` reads ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ` and ${missing.length - 3} more` : ""}, which the ensemble's features do not hold`,
      {
        hint: "the ensemble's features are the shared preprocessing its members read: list them all (e.g. `features = BLOCK.*`)",
      },
    );
}

/** Tuning, params, calibration, decisions, warm starts and checkpoints belong to the members. */
function checkOwnSettings(ctx: KindCheckContext, what: string): void {
  for (const item of ctx.block.body) {
    const setting =
      item.type === "attribute" && item.name === "calibrate"
        ? item.value.type === "ref" && item.value.path[0] === "none"
          ? undefined
          : "calibrate"
        : item.type === "attribute" && item.name === "init"
          ? "init"
          : item.type === "block" && ["params", "tune", "decision", "checkpoint"].includes(item.kind)
            ? item.kind
            : undefined;
    if (!setting) continue;
    ctx.report(
      EnsembleCode.memberSetting,
      item.span,
      `\`${setting}\` has no meaning for ${what} (\`${ctx.name}\`)`,
      {
        hint:
          setting === "decision"
            ? "give the ensemble a fixed `threshold = 0.4`"
            : `set \`${setting}\` on the members; the ensemble combines their fits`,
      },
    );
  }
}

function checkMeta(ctx: KindCheckContext, call: Call, task: string | undefined): void {
  const meta = argOf(call, 1, "meta");
  if (meta?.type !== "ref" || !task) return;
  const name = meta.path.join(".");
  const suits = task === "classify" ? "logistic" : task === "regress" ? "linear" : undefined;
  if (suits && name !== suits && (name === "logistic" || name === "linear"))
    ctx.report(EnsembleCode.metaUnsuited, meta.span, `\`meta = ${name}\` does not suit a ${task} task`, {
      hint: `use \`meta = ${suits}\``,
    });
}

function checkWeights(ctx: KindCheckContext, call: Call, members: number): void {
  const w = argOf(call, 1, "weights");
  if (w?.type !== "list") return;
  if (w.items.length !== members) {
    ctx.report(
      EnsembleCode.weightsCount,
      w.span,
      `${w.items.length} weight${w.items.length === 1 ? "" : "s"} for ${members} members`,
      { hint: "give one weight per member, in the members' order" },
    );
    return;
  }
  if (w.items.every((i) => i.type === "number" && i.value === 0))
    ctx.report(EnsembleCode.weightsCount, w.span, "every weight is 0: the vote would weigh nothing", {
      hint: "give at least one member a positive weight",
    });
}
