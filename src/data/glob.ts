// A small glob matcher over readdir for partitioned data (`data/events/*.parquet`,
// `data/**/part-*.csv`): `*` and `?` within a path segment, `**` across segments. Sorted output.
// Symbolic links are followed (a broken one counts as a file, so reading it reports it); whether a
// match stays in the project is the caller's check (project-path.ts).
import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";

/** What an entry is, through a symbolic link. */
async function kindOf(dir: string, e: Dirent): Promise<"file" | "dir" | "other"> {
  if (!e.isSymbolicLink()) return e.isFile() ? "file" : e.isDirectory() ? "dir" : "other";
  const st = await stat(join(dir, e.name)).catch(() => undefined);
  return !st || st.isFile() ? "file" : st.isDirectory() ? "dir" : "other";
}

export const isGlob = (p: string): boolean => /[*?[]/.test(p);

function segmentRegex(seg: string): RegExp {
  let re = "";
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = seg.indexOf("]", i);
      if (end < 0) re += "\\[";
      else {
        re +=
          "[" +
          seg
            .slice(i + 1, end)
            .replace(/^!/, "^")
            .replace(/\\/g, "\\\\") +
          "]";
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Files under `root` matching `pattern` (relative, `/`-separated), as paths relative to root. */
export async function expandGlob(root: string, pattern: string): Promise<string[]> {
  const segs = pattern.split("/").filter((s) => s !== "" && s !== ".");
  const out = new Set<string>();
  /** The real directories each `**` has entered: a link back up is not walked again. */
  const entered = new Set<string>();
  const walk = async (dir: string, rel: string, i: number): Promise<void> => {
    if (i === segs.length) return;
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    if (seg === "**") {
      const at = `${i}\u0000${await realpath(dir).catch(() => dir)}`;
      if (entered.has(at)) return;
      entered.add(at);
      await walk(dir, rel, i + 1); // zero directories
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (!e.name.startsWith(".") && (await kindOf(dir, e)) === "dir")
          await walk(join(dir, e.name), rel ? `${rel}/${e.name}` : e.name, i);
      }
      return;
    }
    if (!isGlob(seg)) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const e = entries.find((x) => x.name === seg);
      if (!e) return;
      const r = rel ? `${rel}/${seg}` : seg;
      const kind = await kindOf(dir, e);
      if (last) {
        if (kind === "file") out.add(r);
      } else if (kind === "dir") await walk(join(dir, seg), r, i + 1);
      return;
    }
    const re = segmentRegex(seg);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name.startsWith(".") || !re.test(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const kind = await kindOf(dir, e);
      if (last) {
        if (kind === "file") out.add(r);
      } else if (kind === "dir") await walk(join(dir, e.name), r, i + 1);
    }
  };
  await walk(root, "", 0);
  return [...out].sort();
}
