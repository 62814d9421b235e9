// Whether the CLI colours what it writes to a stream: `--no-color` (any command) and NO_COLOR turn it
// off, FORCE_COLOR (other than 0) turns it on without a terminal (CI logs); otherwise only on a TTY.
let noColorFlag = false;

/** Removes `--no-color` from the command line (every command takes it) and remembers it. */
export function takeNoColorFlag(argv: readonly string[]): string[] {
  const rest = argv.filter((a) => a !== "--no-color");
  noColorFlag = rest.length !== argv.length;
  return rest;
}

export function colorFor(stream: { isTTY?: boolean }): boolean {
  if (noColorFlag) return false;
  const force = process.env["FORCE_COLOR"];
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  if (process.env["NO_COLOR"]) return false;
  return Boolean(stream.isTTY);
}
