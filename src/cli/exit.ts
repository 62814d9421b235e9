// A user-facing end of a command: the message is printed as is (no stack trace) and the
// process exits with `code`. Commands throw this instead of calling process.exit, so they
// stay testable in-process.
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message = "",
  ) {
    super(message);
    this.name = "CliExit";
  }
}
