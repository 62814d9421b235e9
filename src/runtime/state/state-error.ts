// The user-facing failures of opening or reading the state store (unreachable or malformed URL,
// damaged SQLite file, lost state): a message with the recovery steps, never a stack trace.
import { MlcError } from "../../ir/errors.js";

/** A state store problem the user can act on; `mlc` prints the message alone. */
export class StateError extends MlcError {
  constructor(message: string) {
    super("MLC2010", message);
  }
}

/** Removes a URL's password (and any copy of it inside a driver's message). */
export function redactSecret(text: string, url: string): string {
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // A malformed URL: hide whatever sits between "://user:" and "@".
    password = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(url)?.[1] ?? "";
  }
  return password ? text.split(password).join("***") : text;
}

/** Is this a SQLite error saying the file is damaged or not a database? */
export function isSqliteDamage(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

/** The message for a damaged SQLite state file, with the ways back. */
export function damagedSqliteMessage(file: string, cause: string): string {
  return [
    `the state database ${file} is damaged (${cause}).`,
    `Nothing in the artifact store or the bundles was changed. To recover:`,
    `  1. move the damaged file aside: mv ${file} ${file}.damaged`,
    `  2. rebuild the registry from the bundles and deployments on disk: mlc state rebuild`,
    `     (or restore ${file} from a backup)`,
    `  3. run mlc plan: nodes whose results were lost are recomputed from the content-addressed objects`,
  ].join("\n");
}
