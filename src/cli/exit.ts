// A user-facing end of a command: the message is printed as is (no stack trace) and the process
// exits with `exitCode` (its diagnostic code is MLC2005). Commands throw this instead of calling
// process.exit, so they stay testable in-process.
import { MlcError } from "../ir/errors.js";

export class CliExit extends MlcError {
  constructor(
    readonly exitCode: number,
    message = "",
  ) {
    super("MLC2005", message);
  }
}
