// A small glob matcher over readdir for partitioned data (`data/events/*.parquet`,
// `data/**/part-*.csv`): `*` and `?` within a path segment, `**` across segments. Sorted output.
import { readdir } from "node:fs/promises";
import { join } from "node:path";

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
  const walk = async (dir: string, rel: string, i: number): Promise<void> => {
    if (i === segs.length) return;
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    if (seg === "**") {
      await walk(dir, rel, i + 1); // zero directories
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith("."))
          await walk(join(dir, e.name), rel ? `${rel}/${e.name}` : e.name, i);
      }
      return;
    }
    if (!isGlob(seg)) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const e = entries.find((x) => x.name === seg);
      if (!e) return;
      const r = rel ? `${rel}/${seg}` : seg;
      if (last) {
        if (e.isFile()) out.add(r);
      } else if (e.isDirectory()) await walk(join(dir, seg), r, i + 1);
      return;
    }
    const re = segmentRegex(seg);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name.startsWith(".") || !re.test(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (last) {
        if (e.isFile()) out.add(r);
      } else if (e.isDirectory()) await walk(join(dir, e.name), r, i + 1);
    }
  };
  await walk(root, "", 0);
  return [...out].sort();
}
