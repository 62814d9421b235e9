// The one convention for naming the project directory: every command that reads a project takes it
// as its last positional argument (`mlc plan examples/churn`, `mlc trials churn examples/churn`) and
// accepts `-C, --dir DIR` too (`mlc -C`-style, as git and make do). Both given and different is a
// usage error (exit 2). After parsing, the action sees the chosen directory in both places: the
// positional argument and the `dir` option.
import type { Command } from "commander";
import { resolve } from "node:path";
import { CliExit } from "./exit.js";
import { commandPath } from "./help-examples.js";

/**
 * Adds the `[dir]` argument (named `argName`, after the command's other arguments) and the
 * `-C, --dir <dir>` option to `cmd`, and reconciles them before the action runs.
 */
export function withProjectDir(
  cmd: Command,
  description = "the project directory (default: the current directory; also -C/--dir)",
  argName = "dir",
): Command {
  cmd
    .argument(`[${argName}]`, description)
    .option("-C, --dir <dir>", `the project directory (instead of the [${argName}] argument)`)
    .hook("preAction", (_self, action) => {
      const at = action.registeredArguments.findIndex((a) => a.name() === argName);
      const positional = action.processedArgs[at] as string | undefined;
      const option = action.getOptionValue("dir") as string | undefined;
      if (positional !== undefined && option !== undefined && resolve(positional) !== resolve(option)) {
        throw new CliExit(
          2,
          `mlc ${commandPath(action)}: two project directories given (${positional} and --dir ${option}); give one`,
        );
      }
      const dir = option ?? positional ?? ".";
      action.processedArgs[at] = dir;
      action.setOptionValue("dir", dir);
    });
  return cmd;
}
