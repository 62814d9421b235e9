// Reads the .mlspec files of a directory (or one file) and parses them into one Project.
// Every failure (missing dir, unreadable file, bad UTF-8) is a diagnostic, never an exception.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Project, SpecFile } from "./ast.js";
import type { Diagnostic, Result } from "./diagnostic.js";
import { SyntaxCode, diagnostic } from "./diagnostic-codes.js";
import { parseFile } from "./parse.js";
import type { Span } from "../ir/span.js";
import { pushAll } from "./push-all.js";

const SPEC_EXTENSION = ".mlspec";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A span at the very start of `file`: for problems with the file as a whole. */
function fileStart(file: string): Span {
  const at = { offset: 0, line: 1, column: 1 };
  return { file, start: at, end: at };
}

const reason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    default:
      return err?.message ?? String(e);
  }
};

/**
 * All `*.mlspec` files directly inside `dir` (sorted by path; not recursive), or just `dir` when it
 * is a .mlspec file. File paths are `join(dir, name)`, so they stay relative when `dir` is.
 */
export function loadProject(dir: string): Result<Project> {
  let isDir: boolean;
  try {
    const st = statSync(dir);
    isDir = st.isDirectory();
    if (!isDir && !st.isFile()) {
      return fail(
        dir,
        diagnostic(
          SyntaxCode.notASpecPath,
          fileStart(dir),
          `\`${dir}\` is neither a directory nor a ${SPEC_EXTENSION} file`,
        ),
      );
    }
  } catch (e) {
    return fail(
      dir,
      diagnostic(SyntaxCode.unreadable, fileStart(dir), `cannot read \`${dir}\`: ${reason(e)}`, {
        hint: "give a directory that holds .mlspec files (default: the current directory)",
      }),
    );
  }

  if (!isDir) {
    if (!dir.endsWith(SPEC_EXTENSION)) {
      return fail(
        dirname(dir),
        diagnostic(SyntaxCode.notASpecPath, fileStart(dir), `\`${dir}\` is not a ${SPEC_EXTENSION} file`, {
          hint: "give a directory of .mlspec files or a single .mlspec file",
        }),
      );
    }
    return collect(dirname(dir), [dir]);
  }

  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.name.endsWith(SPEC_EXTENSION) && (e.isFile() || e.isSymbolicLink()))
      .map((e) => e.name);
  } catch (e) {
    return fail(
      dir,
      diagnostic(SyntaxCode.unreadable, fileStart(dir), `cannot read directory \`${dir}\`: ${reason(e)}`),
    );
  }
  const paths = names.map((n) => join(dir, n)).sort();
  if (paths.length === 0) {
    return fail(
      dir,
      diagnostic(SyntaxCode.noSpecFiles, fileStart(dir), `no ${SPEC_EXTENSION} files in \`${dir}\``, {
        hint: "run `mlc init` to create a starter project, or give the directory that holds your specs",
      }),
    );
  }
  return collect(dir, paths);
}

/** Directories a recursive walk never enters: dependencies, state, build output, hidden folders. */
const SKIPPED_DIRS = new Set(["node_modules", "dist", "coverage"]);

function walkSpecs(dir: string, out: string[], problems: Diagnostic[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    problems.push(
      diagnostic(SyntaxCode.unreadable, fileStart(dir), `cannot read directory \`${dir}\`: ${reason(e)}`),
    );
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith(".") && !SKIPPED_DIRS.has(e.name)) walkSpecs(p, out, problems);
    } else if (e.name.endsWith(SPEC_EXTENSION) && (e.isFile() || e.isSymbolicLink())) out.push(p);
  }
}

/**
 * Every `*.mlspec` file under `path`, in all subdirectories (hidden ones, node_modules and dist
 * excepted), sorted by path; or just `path` when it is a .mlspec file. For file-level tools such
 * as `mlc fmt`: the files need not form one project.
 */
export function loadSpecTree(path: string): Result<Project> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    return fail(
      path,
      diagnostic(SyntaxCode.unreadable, fileStart(path), `cannot read \`${path}\`: ${reason(e)}`),
    );
  }
  if (!isDir) return loadProject(path);
  const paths: string[] = [];
  const problems: Diagnostic[] = [];
  walkSpecs(path, paths, problems);
  paths.sort();
  if (paths.length === 0 && problems.length === 0) {
    return fail(
      path,
      diagnostic(
        SyntaxCode.noSpecFiles,
        fileStart(path),
        `no ${SPEC_EXTENSION} files in \`${path}\` or below it`,
      ),
    );
  }
  const r = collect(path, paths);
  return { value: r.value, diagnostics: [...problems, ...r.diagnostics] };
}

function collect(dir: string, paths: string[]): Result<Project> {
  const files: SpecFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    const read = readSpec(path);
    if ("diagnostic" in read) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    const parsed = parseFile(path, read.text);
    files.push(parsed.value);
    pushAll(diagnostics, parsed.diagnostics);
  }
  return { value: { dir, files }, diagnostics };
}

function readSpec(path: string): { text: string } | { diagnostic: Diagnostic } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return {
      diagnostic: diagnostic(SyntaxCode.unreadable, fileStart(path), `cannot read \`${path}\`: ${reason(e)}`),
    };
  }
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return {
      diagnostic: diagnostic(SyntaxCode.invalidUtf8, fileStart(path), `\`${path}\` is not valid UTF-8`, {
        hint: "save the file as UTF-8",
      }),
    };
  }
}

function fail(dir: string, d: Diagnostic): Result<Project> {
  return { value: { dir, files: [] }, diagnostics: [d] };
}

/** path → text of every file of a project, as renderDiagnostics wants it. */
export function projectSources(project: Project): Map<string, string> {
  return new Map(project.files.map((f) => [f.path, f.text]));
}
