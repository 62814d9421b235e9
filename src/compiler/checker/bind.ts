// Binding a call's arguments to a built-in's parameters: positional in order (skipping named-only
// parameters; a variadic last parameter takes the rest), then named. Pure; reports nothing.
import type { Expr, NamedArg } from "../ast.js";
import type { FunctionBuiltin, ParamSpec } from "../builtins/types.js";

interface Binding {
  /** Parameter name → the argument(s) bound to it. */
  bound: Map<string, Expr[]>;
  /** Positional arguments beyond the parameters. */
  extra: Expr[];
  /** Named arguments that match no parameter. */
  unknown: NamedArg[];
  /** Named arguments for a parameter that already has a value. */
  repeated: NamedArg[];
}

type CallExpr = Extract<Expr, { type: "call" }>;

export function bindArgs(spec: FunctionBuiltin, call: Pick<CallExpr, "args" | "named">): Binding {
  const bound = new Map<string, Expr[]>();
  const extra: Expr[] = [];
  const positional = spec.params.filter((p) => !p.namedOnly);
  call.args.forEach((arg, i) => {
    const last = positional[positional.length - 1];
    const p: ParamSpec | undefined =
      i < positional.length ? positional[i] : last?.variadic ? last : undefined;
    if (!p) {
      extra.push(arg);
      return;
    }
    const list = bound.get(p.name);
    if (list) list.push(arg);
    else bound.set(p.name, [arg]);
  });
  const unknown: NamedArg[] = [];
  const repeated: NamedArg[] = [];
  for (const n of call.named) {
    const p = spec.params.find((q) => q.name === n.name);
    if (!p) unknown.push(n);
    else if (bound.has(p.name)) repeated.push(n);
    else bound.set(p.name, [n.value]);
  }
  return { bound, extra, unknown, repeated };
}
