// `project`: settings for the whole directory (seed, state and artifact locations, path policy).
// At most one per project.
import { CheckCode } from "../../compiler/checker/codes.js";
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { d, t } from "../../compiler/schema/type-builders.js";

export const projectLanguage: BlockKindSchema = {
  kind: "project",
  doc: "Settings of the whole project. At most one `project` block; every setting has a default, so the block is optional.",
  name: "optional",
  settingsOnly: true,
  attributes: [
    { name: "description", type: t.string(), required: false, doc: "a sentence on what the project is for" },
    { name: "owner", type: t.string(), required: false, doc: "the team or person responsible" },
    {
      name: "seed",
      type: t.int(0),
      required: false,
      default: d.number(42),
      doc: "the default seed of every split, model and search",
    },
    {
      name: "state",
      type: t.union(t.string(), t.call("secret"), t.call("connection")),
      required: false,
      doc: 'the state store: `postgres { url = env("PG_URL") }` for teams, `sqlite { path = "…" }`, or a URL; default `.mlc/state.db` (SQLite); `MLC_STATE_URL` overrides it',
    },
    {
      name: "artifacts",
      type: t.call("store"),
      required: false,
      doc: 'a shared artifact store besides the local cache `.mlc/objects`: `s3 { bucket = "…" }` or `dir { path = "…" }`; `MLC_ARTIFACTS_URL` (`s3://bucket/prefix` or a folder) overrides it',
    },
    {
      name: "allow_outside_paths",
      type: t.bool(),
      required: false,
      default: d.bool(false),
      doc: "let sources read files outside the project directory",
    },
  ],
  nested: [],
  check(ctx) {
    const all = ctx.blocksOfKind("project");
    if (all.length > 1 && all[0] !== ctx.block) {
      ctx.report(
        CheckCode.multipleProjects,
        ctx.block.kindSpan,
        "a project has at most one `project` block",
        {
          related: [{ message: "the first `project` block is here", span: all[0]!.kindSpan }],
        },
      );
    }
  },
};
