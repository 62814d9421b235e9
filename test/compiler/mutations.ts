// Seeded token mutations of .mlspec text, shared by the fuzz tests and the scanner/fast-parser
// equivalence tests: deletions, duplications, swaps and insertions of every kind of token.
import { Rng } from "../../src/ml/random.js";

/** Seeded integers in [0, n): the same mutations on every run. */
export function rng(seed: number): (n: number) => number {
  const r = new Rng(seed);
  return (n) => r.int(n);
}

/** Snippets to insert: every kind of token, plus broken ones. */
export const INSERTS = [
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  "=",
  "==",
  "!=",
  "<",
  ">=",
  ",",
  ".",
  "*",
  "/",
  "%",
  "+",
  "-",
  "and",
  "or",
  "not",
  "true",
  "null",
  "x",
  "model",
  "42",
  "1.5e3",
  "30s",
  "10%",
  '"s"',
  '"open',
  "$",
  "@",
  "\\",
  "#c",
  "//c",
  "\n",
  " ",
  "\t",
  "\u00e9",
  "\ud83d\ude00",
  "5min",
  "\r\n",
  "\u0000",
  "a.*",
  "f(",
  "{ k = ",
];

export const BUILTIN = [
  "model m { x = 1 }",
  'source s {\n  file = "a.csv"\n  schema { a = int  b = float }\n  expect { rows > 0  nulls(a) == 0 }\n}\n',
  "gate g {\n  model = m\n  test.auc >= champion.test.auc - 0.005 and not (x or y)\n  parity(test, by = plan) <= 10%\n}\n",
  "deploy d { serve = rest { port = 8080 }  rollout = canary(10%)  list = [1, 2, 3,]  obj = { a = 1, b = [2] } }",
];

export interface Piece {
  start: number;
  end: number;
}

export function mutate(text: string, pieces: Piece[], r: (n: number) => number): string {
  if (pieces.length === 0) return INSERTS[r(INSERTS.length)]! + text;
  const p = pieces[r(pieces.length)]!;
  const q = pieces[r(pieces.length)]!;
  const img = (x: Piece) => text.slice(x.start, x.end);
  switch (r(4)) {
    case 0: // delete
      return text.slice(0, p.start) + text.slice(p.end);
    case 1: // duplicate
      return text.slice(0, p.end) + (r(2) ? " " : "") + img(p) + text.slice(p.end);
    case 2: {
      // swap two tokens
      const [a, b] = p.start <= q.start ? [p, q] : [q, p];
      if (a.end > b.start) return text;
      return text.slice(0, a.start) + img(b) + text.slice(a.end, b.start) + img(a) + text.slice(b.end);
    }
    default: {
      // insert before or after a token
      const at = r(2) ? p.start : p.end;
      return text.slice(0, at) + INSERTS[r(INSERTS.length)]! + text.slice(at);
    }
  }
}
