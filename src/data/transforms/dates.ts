// Date parts of timestamps (UTC): hour, dayofweek (0 = Monday), month, and days_between.
// Timestamps enter ONNX as double epoch milliseconds; both backends do the same double ops.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Transform } from "./types.js";
import { ONNX_FLOAT, arity, expectKind, time } from "./support.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Helpers that build the same double-precision arithmetic in ONNX as in JS. */
class DoubleOps {
  constructor(private readonly g: OnnxGraph) {}
  c(v: number): string {
    return this.g.constant("double", [1, 1], [v], "d");
  }
  add(a: string, v: number | string): string {
    return this.g.op("Add", [a, typeof v === "number" ? this.c(v) : v]);
  }
  sub(a: string, v: number | string): string {
    return this.g.op("Sub", [a, typeof v === "number" ? this.c(v) : v]);
  }
  mul(a: string, v: number): string {
    return this.g.op("Mul", [a, this.c(v)]);
  }
  div(a: string, v: number): string {
    return this.g.op("Div", [a, this.c(v)]);
  }
  floor(a: string): string {
    return this.g.op("Floor", [a]);
  }
  /** Non-negative remainder: ((a mod m) + m) mod m, with C fmod. */
  posmod(a: string, m: number): string {
    const r = this.g.op("Mod", [a, this.c(m)], { fmod: 1 });
    return this.g.op("Mod", [this.add(r, m), this.c(m)], { fmod: 1 });
  }
  toFloat(a: string): string {
    return this.g.op("Cast", [a], { to: ONNX_FLOAT });
  }
}

const posmod = (a: number, m: number): number => ((a % m) + m) % m;

/** Month 1-12 from days since the epoch (H. Hinnant's civil_from_days), all in double. */
function monthOfDays(days: number): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return mp < 10 ? mp + 3 : mp - 9;
}

function onnxMonthOfDays(g: OnnxGraph, d: DoubleOps, days: string): string {
  const z = d.add(days, 719468);
  const era = d.floor(d.div(z, 146097));
  const doe = d.sub(z, d.mul(era, 146097));
  const inner = d.sub(
    d.add(d.sub(doe, d.floor(d.div(doe, 1460))), d.floor(d.div(doe, 36524))),
    d.floor(d.div(doe, 146096)),
  );
  const yoe = d.floor(d.div(inner, 365));
  const doy = d.sub(doe, d.sub(d.add(d.mul(yoe, 365), d.floor(d.div(yoe, 4))), d.floor(d.div(yoe, 100))));
  const mp = d.floor(d.div(d.add(d.mul(doy, 5), 2), 153));
  const late = g.op("Less", [mp, d.c(10)]);
  return g.op("Where", [late, d.add(mp, 3), d.sub(mp, 9)]);
}

function datePart(
  name: string,
  f: (ms: number) => number,
  onnx: (g: OnnxGraph, d: DoubleOps, ms: string) => string,
): Transform {
  return {
    name,
    rowwise: true,
    type(args) {
      arity(name, args, 1);
      expectKind(name, args[0]!, "time");
      return "num";
    },
    batch([a]) {
      const t = time(a!);
      const out = new Float32Array(t.length);
      for (let i = 0; i < t.length; i++) out[i] = f(t[i]!);
      return { kind: "num", v: out };
    },
    onnx(g, [a]) {
      const d = new DoubleOps(g);
      return { kind: "num", name: d.toFloat(onnx(g, d, a!.name)) };
    },
  };
}

export const hour = datePart(
  "hour",
  (ms) => Math.floor(posmod(ms, DAY) / HOUR),
  (_g, d, ms) => d.floor(d.div(d.posmod(ms, DAY), HOUR)),
);
export const dayofweek = datePart(
  "dayofweek",
  (ms) => posmod(Math.floor(ms / DAY) + 3, 7),
  (_g, d, ms) => d.posmod(d.add(d.floor(d.div(ms, DAY)), 3), 7),
);
export const month = datePart(
  "month",
  (ms) => monthOfDays(Math.floor(ms / DAY)),
  (g, d, ms) => onnxMonthOfDays(g, d, d.floor(d.div(ms, DAY))),
);

export const daysBetween: Transform = {
  name: "days_between",
  rowwise: true,
  type(args) {
    arity("days_between", args, 2);
    expectKind("days_between", args[0]!, "time");
    expectKind("days_between", args[1]!, "time");
    return "num";
  },
  batch([a, b]) {
    const s = time(a!),
      e = time(b!);
    const out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = (e[i]! - s[i]!) / DAY;
    return { kind: "num", v: out };
  },
  onnx(g, [a, b]) {
    const d = new DoubleOps(g);
    return { kind: "num", name: d.toFloat(d.div(d.sub(b!.name, a!.name), DAY)) };
  },
};
