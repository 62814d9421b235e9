// `mlc completion bash|zsh`: prints a shell completion script for mlc's commands, subcommands and
// options, generated from the program itself (so it lists what this mlc has). zsh loads the bash
// script through bashcompinit.
import type { Command } from "commander";
import { CliExit } from "../exit.js";

interface Level {
  words: string[];
  options: string[];
}

const quote = (words: readonly string[]): string => `'${words.join(" ")}'`;

function optionsOf(c: Command): string[] {
  const out = ["--help"];
  for (const o of c.options) {
    if (o.short) out.push(o.short);
    if (o.long) out.push(o.long);
  }
  return out;
}

/** The completion script for bash: the command words, then each (sub)command's subcommands and options. */
export function bashScript(program: Command): string {
  const levels = new Map<string, Level>();
  const visit = (c: Command, path: string): void => {
    const subs = c.commands.map((s) => s.name());
    levels.set(path, { words: subs, options: optionsOf(c) });
    for (const s of c.commands) visit(s, path ? `${path} ${s.name()}` : s.name());
  };
  visit(program, "");
  const cases = [...levels.entries()]
    .map(([path, l]) => `    ${JSON.stringify(path)}) words=${quote(l.words)}; opts=${quote(l.options)} ;;`)
    .join("\n");
  return `# mlc completion for bash (mlc completion bash > /etc/bash_completion.d/mlc)
_mlc() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" i w words opts
  # the command path: the leading words that name commands (options and arguments end it)
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) break ;; esac
    _mlc_level "\${path:+$path }$w" || break
    path="\${path:+$path }$w"
  done
  _mlc_level "$path"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$words" && $i -eq COMP_CWORD ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
_mlc_level() {
  case "$1" in
${cases}
    *) return 1 ;;
  esac
}
complete -o filenames -F _mlc mlc
`;
}

export function register(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script for mlc (bash or zsh)")
    .argument("<shell>", "bash or zsh")
    .action(async (shell: string) => {
      if (shell !== "bash" && shell !== "zsh")
        throw new CliExit(2, `mlc completion: unknown shell '${shell}' (bash or zsh)`);
      // every command, not only this one (main.ts loads the command named on the command line alone)
      const { buildProgram } = await import("../program.js");
      const script = bashScript(await buildProgram());
      process.stdout.write(
        shell === "zsh"
          ? `# mlc completion for zsh\nautoload -U +X bashcompinit && bashcompinit\n${script}`
          : script,
      );
    });
}
