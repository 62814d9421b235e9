// The registry of diagnostic codes: one entry per code with its default severity and a one-line
// summary (used by docs and conformance tests). MLC1001–1099: syntax and loading; MLC1100+: checking.
import type { Diagnostic, DiagnosticCode, Severity } from "./diagnostic.js";
import type { Span } from "../ir/span.js";

interface CodeInfo {
  severity: Severity;
  summary: string;
}

export const DIAGNOSTIC_CODES: Record<DiagnosticCode, CodeInfo> = {
  // — syntax (lexer, parser, AST building) —
  MLC1001: { severity: "error", summary: "a character that is not part of the language" },
  MLC1002: { severity: "error", summary: "a string without its closing quote on the same line" },
  MLC1003: { severity: "error", summary: "an invalid escape sequence in a string" },
  MLC1004: { severity: "error", summary: "a malformed number or duration (`5min`, `3x`)" },
  MLC1005: { severity: "error", summary: "a token where the grammar expects something else" },
  MLC1006: { severity: "error", summary: "a name followed by a value without `=` (`trees 400`)" },
  MLC1007: { severity: "error", summary: "an attribute without a value after `=`" },
  MLC1008: { severity: "error", summary: "a block that is not closed with `}`" },
  MLC1009: { severity: "error", summary: "a `}` with no open block" },
  MLC1010: { severity: "error", summary: "chained comparisons (`a < b < c`)" },
  MLC1011: { severity: "error", summary: "a number too large to represent" },
  MLC1012: {
    severity: "error",
    summary: "a `*` that is not the last part of a reference, or a call on a `*` path",
  },
  MLC1013: { severity: "error", summary: "brackets or prefix operators nested more than 200 levels deep" },
  // — loading a project —
  MLC1020: { severity: "error", summary: "a directory or file that cannot be read" },
  MLC1021: { severity: "error", summary: "a directory without any `.mlspec` file" },
  MLC1022: { severity: "error", summary: "a path that is neither a directory nor a `.mlspec` file" },
  MLC1023: { severity: "error", summary: "a file that is not valid UTF-8" },
  MLC1099: { severity: "error", summary: "an internal parser failure (a bug in mlc; please report it)" },
  // — checking (named in src/compiler/checker/codes.ts) —
  MLC1101: { severity: "error", summary: "an unknown block kind (`modle churn { … }`)" },
  MLC1102: { severity: "error", summary: "an attribute the block's schema does not have" },
  MLC1103: { severity: "error", summary: "a required attribute that is missing" },
  MLC1104: { severity: "error", summary: "a value or expression of the wrong type" },
  MLC1105: { severity: "error", summary: "a reference to a name that does not exist" },
  MLC1106: {
    severity: "error",
    summary: "a reference to a block of the wrong kind (`data = usage` where a split is expected)",
  },
  MLC1107: {
    severity: "error",
    summary: "two top-level blocks with the same name (one namespace across all files)",
  },
  MLC1108: { severity: "error", summary: "a dependency cycle between blocks or between features" },
  MLC1109: { severity: "error", summary: "a search-space distribution outside a model's `params` block" },
  MLC1110: { severity: "error", summary: "an assertion that is not a boolean expression" },
  MLC1111: {
    severity: "error",
    summary: "percentage shares (split, experiment allocation) that do not add up to 100%",
  },
  MLC1112: {
    severity: "error",
    summary: "a call of a function that is not a built-in of the expected family",
  },
  MLC1113: { severity: "error", summary: "a built-in called with too many, too few or repeated arguments" },
  MLC1114: { severity: "error", summary: "a built-in argument of the wrong type" },
  MLC1115: { severity: "error", summary: "a column that the input does not have" },
  MLC1116: { severity: "error", summary: "label leakage: a model feature computed from the model's label" },
  MLC1117: {
    severity: "error",
    summary: "a metric that the model's task does not produce (`test.rmse` for classify)",
  },
  MLC1118: { severity: "error", summary: "a window aggregation without a timestamp column" },
  MLC1119: { severity: "error", summary: "a block that needs a name has none" },
  MLC1120: { severity: "error", summary: "an attribute set twice in one block" },
  MLC1121: { severity: "error", summary: "a nested block the enclosing block does not take" },
  MLC1122: { severity: "error", summary: "a bare assertion in a block that does not take assertions" },
  MLC1123: { severity: "error", summary: "a named argument the built-in does not have" },
  MLC1124: {
    severity: "error",
    summary: "a built-in used where its family is not allowed (`psi` in a feature)",
  },
  MLC1125: { severity: "error", summary: "an unknown metric name in a metric path" },
  MLC1126: { severity: "error", summary: "attributes that exclude each other (`file` and `connection`)" },
  MLC1127: { severity: "error", summary: "a feature that its features block does not define" },
  MLC1128: { severity: "error", summary: "a nested block that may appear once appears twice" },
  MLC1129: { severity: "warning", summary: "a deployment without a gate (`when`)" },
  MLC1130: { severity: "error", summary: "a value outside its allowed range or set" },
  MLC1131: { severity: "error", summary: "a column or feature of a block that is not an input here" },
  MLC1132: { severity: "error", summary: "a file path that leaves the project directory" },
  MLC1133: { severity: "error", summary: "a deployed model's feature that the serving path cannot compute" },
  MLC1134: {
    severity: "warning",
    summary: "a search objective whose direction disagrees with its metric (`maximize(valid.logloss)`)",
  },
  MLC1135: { severity: "error", summary: "more than one `project` block" },
  MLC1136: { severity: "error", summary: "a name on a nested block that takes none" },
  MLC1137: { severity: "error", summary: "a deployment gated by a gate of another model" },
  MLC1138: { severity: "error", summary: "a search objective list that names the same metric twice" },
  MLC1139: {
    severity: "error",
    summary: "`pick = weighted([…])` with a weight count other than the number of objectives",
  },
  MLC1140: {
    severity: "warning",
    summary: "`pick` on a search with one objective (there is no front to pick from)",
  },
  MLC1141: {
    severity: "error",
    summary: "a point-in-time `join` whose joined table or features block has no timestamp",
  },
  MLC1142: {
    severity: "error",
    summary: "a joined column whose name is already a column of the block (`prefix` avoids it)",
  },
  MLC1143: {
    severity: "error",
    summary:
      "a model parameter its algorithm does not have (`tress`, or XGBoost's `n_estimators` for `trees`)",
  },
  MLC1144: {
    severity: "error",
    summary: "a model parameter value of the wrong type or outside the parameter's range",
  },
  MLC1145: {
    severity: "error",
    summary:
      "a search distribution that does not fit its parameter (`uniform` for an integer, bounds out of range)",
  },
  MLC1153: {
    severity: "error",
    summary:
      "a block name in backticks that is not an identifier (backticks are for column and feature names: `` `Monthly Charges` ``)",
  },
  MLC1154: {
    severity: "error",
    summary:
      "`passthrough = all` in a features block whose input's columns are not known (a source without a `schema`)",
  },
  MLC1155: { severity: "error", summary: "`except` in a features block without `passthrough = all`" },
  MLC1160: {
    severity: "warning",
    summary: "an experiment whose duration at the declared traffic cannot reach its sample size",
  },
  MLC1161: { severity: "warning", summary: "an experiment variant whose model no gate guards" },
  MLC1146: {
    severity: "error",
    summary: "a source's data file that does not exist (checked when its folder does)",
  },
  MLC1147: {
    severity: "error",
    summary: "a `positive` class that the label's `allowed(…)` expectation does not list",
  },
  MLC1148: {
    severity: "error",
    summary:
      "a task that does not fit its label's declared type (`regress` of a category, `classify` of a float)",
  },
  MLC1185: {
    severity: "error",
    summary:
      "a deployment's `cold_start` chain for a model that has no user and item embeddings (not `bpr`, `matrix_factorization` or `two_tower`)",
  },
  MLC1200: {
    severity: "error",
    summary:
      "a deployment's `cold_start` chain that names `two_tower` for a model that is not a `two_tower` model (no towers to compute a vector from features)",
  },
  MLC1201: {
    severity: "error",
    summary:
      "a `two_tower` model whose `user_column`, `item_column`, `user_features` or `item_features` names something that is not one of its features, or that leaves a feature in neither tower",
  },
  MLC1186: {
    severity: "error",
    summary:
      "a deployment's answer `cache` for a model that does not serve `/v1/recommend` (not `bpr`, `matrix_factorization` or `two_tower`)",
  },
  MLC1210: {
    severity: "error",
    summary: "a deployment's answer `cache` on a `stream` or `batch` target, which serves no `/v1/recommend`",
  },
  MLC1211: {
    severity: "error",
    summary:
      "a deployment's `rerank` that names a model which is not a re-ranker (no `rank(…)` task or no `history { … }` block), or the deployment's own model",
  },
  MLC1212: {
    severity: "error",
    summary:
      "a deployment's `candidates` outside 1–1000 or below the ranker's task `k`, or `candidates` without `rerank`",
  },
  MLC1213: {
    severity: "error",
    summary:
      "a deployment's `rerank` where no `/v1/recommend` retrieves candidates (its model is not `bpr`, `matrix_factorization` or `two_tower`, or it serves a stream or batch file), or where the ranker's bundle would not travel (a container or serverless target)",
  },
  MLC1214: {
    severity: "error",
    summary:
      "a model's `history { … }` block without a `rank(label, group = …, item = …)` task, or over a split that does not order rows in time",
  },
  // — ensembles (src/kinds/model/ensemble-language.ts) —
  MLC1230: { severity: "error", summary: "an ensemble member whose task or label is not the ensemble's" },
  MLC1231: {
    severity: "error",
    summary:
      "an ensemble member on another split (one that deals rows differently), or an ensemble on a kfold split",
  },
  MLC1232: {
    severity: "error",
    summary: "a model that cannot be an ensemble member (itself an ensemble, or calibrated)",
  },
  MLC1233: { severity: "error", summary: "vote weights that are not one per member, or all zero" },
  MLC1234: { severity: "error", summary: "an ensemble of a task other than classify or regress" },
  MLC1235: {
    severity: "error",
    summary: "a stack's meta learner that does not suit the task (`logistic` classifies, `linear` regresses)",
  },
  MLC1236: {
    severity: "error",
    summary:
      "params, tune, calibrate, decision, init or checkpoint on an ensemble (they are its members' settings)",
  },
  MLC1237: {
    severity: "error",
    summary: "an ensemble member reading features the ensemble's features do not hold",
  },
  MLC1238: { severity: "error", summary: "an ensemble member named twice" },
  MLC1240: {
    severity: "error",
    summary:
      "`init = champion` on an algorithm that cannot continue from a champion (only gbdt, mlp, autoencoder, matrix_factorization and bpr can; an imported ONNX model cannot)",
  },
  MLC1241: {
    severity: "error",
    summary: "`init = champion` beside a `tune` search or a kfold split, which fit from scratch",
  },
  MLC1242: {
    severity: "error",
    summary:
      "a `checkpoint` block on an algorithm that writes no training checkpoints (only gbdt, bpr, mlp, autoencoder, matrix_factorization and two_tower do)",
  },
  MLC1190: {
    severity: "error",
    summary:
      "a search (`tune`, its `valid.*` objectives) or `early_stop` for a model whose split has no valid rows (`valid = 0%`, or shares without `valid`)",
  },
  MLC1191: {
    severity: "error",
    summary: "a batch target's `keep` column that its input source's schema does not declare",
  },
  MLC1170: {
    severity: "error",
    summary:
      "a monitor check that does not fit its column (`ks` of a category, `chi2` of a number) or names a field the deployment's requests do not carry",
  },
  MLC1250: {
    severity: "error",
    summary:
      "a `robustness.SUITE.MEASURE` path whose suite the model's robustness block does not run, or whose measure a suite does not record",
  },
  MLC1251: {
    severity: "error",
    summary: "a gate reads `robustness.*` of a model that declares no `robustness { … }` block",
  },
  MLC1252: {
    severity: "error",
    summary:
      "a gate reads `export.PRECISION.MEASURE` of a model whose `export { quantize = … }` block does not declare that precision, or a measure an export does not record",
  },
};

/** Named syntax codes, so call sites read as what they mean. */
export const SyntaxCode = {
  unexpectedCharacter: "MLC1001",
  unterminatedString: "MLC1002",
  invalidEscape: "MLC1003",
  invalidNumber: "MLC1004",
  unexpectedToken: "MLC1005",
  missingEquals: "MLC1006",
  missingValue: "MLC1007",
  unclosedBlock: "MLC1008",
  strayCloseBrace: "MLC1009",
  chainedComparison: "MLC1010",
  numberTooLarge: "MLC1011",
  misplacedStar: "MLC1012",
  nestingTooDeep: "MLC1013",
  quotedBlockName: "MLC1153",
  unreadable: "MLC1020",
  noSpecFiles: "MLC1021",
  notASpecPath: "MLC1022",
  invalidUtf8: "MLC1023",
  internal: "MLC1099",
} as const satisfies Record<string, DiagnosticCode>;

/** A diagnostic with the severity registered for its code. */
export function diagnostic(
  code: DiagnosticCode,
  span: Span,
  message: string,
  extra?: { hint?: string; related?: Diagnostic["related"] },
): Diagnostic {
  const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code]?.severity ?? "error", message, span };
  if (extra?.hint) d.hint = extra.hint;
  if (extra?.related?.length) d.related = extra.related;
  return d;
}
