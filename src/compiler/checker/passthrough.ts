// Checks `passthrough = all` / `except = […]` of a features block: the input's columns must be known
// (a declared schema) for the shorthand to expand at compile time, and `except` needs `passthrough`.
// The expansion itself is `CheckState.passthroughFeatures`; unknown names in `except` are reported
// by the column check of its value (MLC1115, with a did-you-mean).
import type { Expr } from "../ast.js";
import { CheckCode } from "./codes.js";
import type { ValueType } from "../schema/types.js";
import type { Sink } from "./sink.js";
import { checkValue, type Env } from "./typing.js";
import { attributeOf, plainRef, type CheckState } from "./state.js";

export function checkPassthrough(st: CheckState, name: string, sink: Sink): void {
  const b = st.block(name);
  if (!b) return;
  const pass = attributeOf(b, "passthrough");
  const except = attributeOf(b, "except");
  if (except && (!pass || plainRef(pass.value) !== "all")) {
    sink.report(
      CheckCode.exceptWithoutPassthrough,
      except.nameSpan,
      `\`except\` in features \`${name}\` leaves columns out of \`passthrough\`, which is not set`,
      { hint: "add `passthrough = all`, or remove `except`" },
    );
  }
  if (!pass || plainRef(pass.value) !== "all") return;
  const input = st.inputOf(name);
  if (input === undefined) return; // `from` is reported where it is checked
  const cols = st.columnsOf(input);
  if (cols.open !== undefined) {
    sink.report(
      CheckCode.passthroughOpenInput,
      pass.value.span,
      `\`passthrough = all\` needs the columns of \`${input}\`, but they are not declared`,
      {
        hint: `declare them in a \`schema { … }\` block of source \`${cols.open}\` (\`mlc schema infer\` writes one), or write the features out`,
      },
    );
  }
}

/**
 * Adds the passthrough features of a block to its checked attributes (a feature written out wins),
 * checking each like a written one so that the columns it reads are recorded as used.
 */
export function addPassthroughFeatures(
  st: CheckState,
  name: string,
  attributes: Map<string, Expr>,
  env: Env,
  type: ValueType,
): void {
  for (const [f, attr] of st.passthroughFeatures(name)) {
    if (attributes.has(f)) continue;
    checkValue(attr.value, type, { ...env, via: f, currentFeature: f });
    attributes.set(f, attr.value);
  }
}
