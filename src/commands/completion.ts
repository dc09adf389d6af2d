/**
 * `golive completion bash|zsh|fish`: a completion script for the shell. Each
 * script is a thin wrapper around `golive __complete`, which knows the
 * commands, flags, a runbook's environments and the journal's run ids.
 */
import { UsageError } from '../errors.js';

const BASH = `# golive completion for bash: source <(golive completion bash)
_golive_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" out kind
  out="$(golive __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" || return 0
  kind="\${out%%$'\\n'*}"
  if [[ "$kind" == ":files" ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  else
    local IFS=$'\\n'
    mapfile -t COMPREPLY < <(compgen -W "\${out#"$kind"}" -- "$cur")
  fi
}
complete -F _golive_complete golive
`;

const ZSH = `#compdef golive
# golive completion for zsh: golive completion zsh > "\${fpath[1]}/_golive", or source <(golive completion zsh)
_golive() {
  local -a lines
  lines=("\${(@f)$(golive __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ "\${lines[1]}" == ":files" ]]; then _files; else compadd -- "\${(@)lines[2,-1]}"; fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _golive "$@"; else compdef _golive golive; fi
`;

const FISH = `# golive completion for fish: golive completion fish > ~/.config/fish/completions/golive.fish
function __golive_complete
    set -l tokens (commandline -opc) (commandline -ct)
    set -l out (golive __complete -- $tokens[2..-1] 2>/dev/null)
    if test "$out[1]" = ":files"
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $out[2..-1]
    end
end
complete -c golive -f -a '(__golive_complete)'
`;

const SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };

/** Print the completion script for `shell`. */
export async function completionCommand(shell: string): Promise<number> {
  const script = SCRIPTS[shell];
  if (!script) throw new UsageError(`no completion for shell "${shell}"`, 'choose one of: bash, zsh, fish');
  process.stdout.write(script);
  return 0;
}
