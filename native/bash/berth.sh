# Berth: shell setup for the sandbox (installed as /etc/profile.d/berth.sh,
# also sourced from ~/.bashrc). Keep it small and safe to source twice.

export DOCKER_HOST="${DOCKER_HOST:-unix:///run/user/$(id -u)/docker.sock}"

# Everything below is for interactive bash only.
[ -n "${BASH_VERSION:-}" ] || return 0 2>/dev/null || true
case $- in *i*) ;; *) return 0 ;; esac

# Prompt: user@berth:~$  (green user@host, blue path; the container's
# hostname is a random id, so show the product name instead).
PS1='\[\e[1;32m\]\u@berth\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ '

# Bash completion. docker's own is loaded by bash-completion at the first Tab after `docker`: sourced here it
# cost every shell 20 ms to start and 1.4 MiB to hold.
if ! shopt -oq posix; then
  if [ -z "${BASH_COMPLETION_VERSINFO:-}" ] && [ -r /usr/share/bash-completion/bash_completion ]; then
    . /usr/share/bash-completion/bash_completion
  fi
fi

# --- berth: sudo ------------------------------------------------------
# There is no sudo program (and no setuid file). The shell runs inside the rootless engine's namespaces
# (host-shell), where this session's uid is root of the engine's user namespace: `sudo CMD` asks this
# terminal's sudo-helper, which is that root, to run CMD on this shell's stdin, stdout and stderr.
# That root owns the engine's network (bridges, iptables, ip link) and its files (docker's data), and
# nothing outside the session. It is reached through bash's command_not_found_handle, so `command -v
# sudo` and scripts that test for a sudo program still find none; exported, so scripts have it too.
__berth_sudo() {
  local -a shell=()
  while [ $# -gt 0 ]; do
    case $1 in
      -u|-g) case ${2:-} in root|0|'#0') shift 2 ;; *) echo "sudo: here, sudo runs commands as root only" >&2; return 1 ;; esac ;;
      -uroot|-u0|--user=root|-groot|-g0|--group=root) shift ;;
      -E|-H|-n|-k|-S|-P|-A|--preserve-env|--preserve-env=*|--non-interactive|--reset-timestamp|--set-home|--stdin) shift ;;
      -i|--login) shell=(bash -l); shift ;;
      -s|--shell) shell=(bash); shift ;;
      -v|--validate|-K|--remove-timestamp) return 0 ;;
      -l|--list) echo "User user may run the following commands on berth: (root) ALL, as root of this session's Docker engine (not of the machine)"; return 0 ;;
      -V|--version) echo "sudo: Berth's sudo, a shell function: root of this session's rootless Docker engine"; return 0 ;;
      -h|--help) echo "usage: sudo [-i|-s] [-u root] COMMAND [ARGUMENTS...]"; return 0 ;;
      --) shift; break ;;
      -*) echo "sudo: option $1 is not supported here" >&2; return 1 ;;
      *) break ;;
    esac
  done
  if [ ${#shell[@]} -gt 0 ]; then
    if [ $# -gt 0 ]; then set -- "${shell[@]}" -c "$*"; else set -- "${shell[@]}"; fi
  fi
  if [ $# -eq 0 ]; then echo "usage: sudo [-i|-s] [-u root] COMMAND [ARGUMENTS...]" >&2; return 1; fi
  local run=${XDG_RUNTIME_DIR:-/run/user/1000} d tick i=0 st
  # This terminal's helper (host-shell, the docker runtime), or the sandbox's own (lxd-init, the lxd runtime).
  local helper=$run/.sudo-${__berth_shell_pid:-$$}
  [ -p "$helper" ] || helper=$run/.sudo-1
  if [ ! -p "$helper" ]; then
    echo "sudo: command not found (this shell is outside the Docker engine's namespaces)" >&2
    return 127
  fi
  d=$(mktemp -d "$run/.sudo-req.XXXXXXXX") || return 1
  printf '%s\0' "$@" >"$d/argv"
  printf '%s' "$PWD" >"$d/cwd"
  echo "$BASHPID" >"$d/pid"
  mkfifo "$d/tick" && exec {tick}<>"$d/tick"
  # A helper that is root of the sandbox (lxd-init's) takes signals for its command through a file.
  trap '[ -r "$d/cmd" ] && { kill -INT "$(<"$d/cmd")" 2>/dev/null || echo INT >"$d/signal"; }' INT
  trap '[ -r "$d/cmd" ] && { kill -TERM "$(<"$d/cmd")" 2>/dev/null || echo TERM >"$d/signal"; }' TERM HUP
  printf '%s\n' "$d" >"$helper"
  while [ ! -e "$d/status" ]; do
    if [ ! -e "$d/cmd" ] && [ $((i += 1)) -gt 200 ]; then
      echo "sudo: this terminal's sudo helper does not answer (Restart shell brings it back)" >&2
      rm -rf "$d"
      return 1
    fi
    read -r -t 0.05 -u "$tick"
  done
  st=$(<"$d/status")
  rm -rf "$d"
  case ${1##*/} in
    apt|apt-get|dpkg|aptitude)
      [ "$st" = 0 ] || echo "berth: this sandbox's own system cannot be changed (its files belong to the machine, not to this root); install software in a container instead, e.g. docker run -it debian, then apt-get install there." >&2 ;;
  esac
  return "$st"
}
command_not_found_handle() {
  if [ "$1" = sudo ]; then
    shift
    __berth_sudo "$@"
    return
  fi
  printf 'bash: %s: command not found\n' "$1" >&2
  return 127
}
__berth_shell_pid=${__berth_shell_pid:-$$}
export __berth_shell_pid
export -f __berth_sudo command_not_found_handle
# ------------------------------------------------------------------------

# --- berth: shell-integration marks -------------------------------------
# Berth learns what the learner ran from marks in the terminal output (read and removed by the server,
# server/src/terminal/shell-integration.ts): OSC 633;E (the command line, VS Code's escaping), OSC 133;C
# (it starts), OSC 133;D (its exit status), OSC 133;A/B (prompt). E and D carry a nonce the server gave this
# shell, so text a learner prints cannot pass for a command. The marks do not live in PS1 (but B, see
# __berth_precmd): a learner who replaces their prompt is still seen.
__berth_nonce=${BERTH_SHELL_NONCE:-${__berth_nonce:-}}
unset BERTH_SHELL_NONCE
if [ -n "$__berth_nonce" ] && [ -z "${__berth_hooked:-}" ]; then
  __berth_hooked=1
  # A command typed with a leading space must still reach the history, where the marks read it from.
  HISTCONTROL=ignoredups

  # The E and C marks are written from bash's DEBUG trap, which runs in this shell before the line's first
  # simple command: no fork. (PS0's $(...) and two more inside it cost 46 ms of CPU per command in a sandbox
  # here: most of what a command cost the host.) The trap acts once per line: the end of our part of
  # PROMPT_COMMAND arms it; it skips functions (completion's, the hooks' own), subshells (a $(...) in a
  # learner's PS1) and the learner's part of PROMPT_COMMAND. A line with no simple command of this shell's own
  # (a function's definition, `( ls )`) is marked by __berth_precmd instead, after its output.
  __berth_command_file="${XDG_RUNTIME_DIR:-/tmp}/.berth-command-$$"
  __berth_number='\#'
  __berth_armed= __berth_prompt_number= __berth_status=0 __berth_trap_off= __berth_last_arg= __berth_current=

  __berth_preexec() {
    local entry=''
    HISTTIMEFORMAT='' builtin history 1 2>/dev/null >"$__berth_command_file"
    IFS= read -r -d '' entry 2>/dev/null <"$__berth_command_file"
    while [[ $entry == *$'\n' ]]; do entry=${entry%$'\n'}; done
    # "  42* line": the number, a star if edited, spaces. Not with =~, which would reset the learner's BASH_REMATCH.
    entry=${entry#"${entry%%[![:space:]]*}"}
    entry=${entry#"${entry%%[!0-9]*}"}
    entry=${entry#\*}
    entry=${entry#"${entry%%[![:space:]]*}"}
    # VS Code's escaping of the command line: it may hold anything a learner typed or pasted.
    entry=${entry//\\/\\\\}
    entry=${entry//;/\\x3b}
    entry=${entry//$'\n'/\\x0a}
    entry=${entry//$'\r'/\\x0d}
    entry=${entry//$'\e'/\\x1b}
    entry=${entry//$'\a'/\\x07}
    printf '\e]633;E;%s;%s\a\e]133;C\a' "$entry" "$__berth_nonce"
  }

  __berth_precmd() {
    local status=$? number=${__berth_number@P}
    [ "${HISTCONTROL:-}" = ignoredups ] || HISTCONTROL=ignoredups
    # A line was run (the command number moved) but the trap did not mark it (see above), or a learner replaced
    # the trap: marked now, late but not missed.
    [[ -n $__berth_armed && $number != "$__berth_prompt_number" ]] && __berth_preexec
    __berth_armed= # until our part of PROMPT_COMMAND has run (__berth_arm_with_status)
    printf '\e]133;D;%s;%s\a\e]133;A\a' "$status" "$__berth_nonce"
    # The B mark (prompt end) is the one mark in PS1: readline prints it once it reads the terminal, and the
    # server holds keys typed ahead of a new shell until then. Put back at each prompt if a learner's PS1 lost it.
    [[ $PS1 == *'\e]133;B\a\]' ]] || PS1+='\[\e]133;B\a\]'
    __berth_status=$status
    __berth_prompt_number=$number
    return $status
  }

  # Says whether this simple command is the first of a line the learner typed, and marks the line if so.
  # The learner's part of PROMPT_COMMAND, which runs after ours is armed, is told apart by its text.
  # $1 is the learner's $_ (the last argument of their last command), given back by the trap.
  __berth_on_debug() {
    __berth_last_arg=$1
    [[ $BASH_COMMAND != __berth_precmd* && " ${PROMPT_COMMAND[*]#__berth_precmd} " != *"$BASH_COMMAND"* ]] || return 1
    __berth_armed=
    __berth_preexec
  }
  # The last of our part of PROMPT_COMMAND (a function: the trap does not run inside it); gives $? back.
  __berth_arm_with_status() {
    __berth_armed=1
    return "$1"
  }

  # Bash runs a DEBUG trap before every simple command at the prompt's level, at ~75 us each whatever it holds
  # (a pure-shell loop of 100 000 typed at the prompt took 7.5 s instead of 0.1 s), so once the line is marked
  # the trap takes itself away, and PROMPT_COMMAND puts it back at the next prompt unless the line set a DEBUG
  # trap of the learner's own. Both at the top level: bash puts back a trap a function changed when it returns.
  __berth_trap='[[ -z $__berth_armed || -n ${FUNCNAME-} || $BASH_SUBSHELL -gt 0 ]] || { __berth_on_debug "$_" && { builtin trap - DEBUG; __berth_trap_off=1; }; : "$__berth_last_arg"; }'
  __berth_trap_back='if [[ -n $__berth_trap_off ]]; then __berth_trap_off=; __berth_current=; builtin trap -p DEBUG 2>/dev/null >"$__berth_command_file"; IFS= read -r __berth_current 2>/dev/null <"$__berth_command_file"; [[ -n $__berth_current ]] || builtin trap "$__berth_trap" DEBUG; fi; __berth_arm_with_status "$__berth_status"'
  builtin trap "$__berth_trap" DEBUG
  if [[ $(declare -p PROMPT_COMMAND 2>/dev/null) == "declare -a"* ]]; then
    PROMPT_COMMAND=(__berth_precmd 'eval "$__berth_trap_back"' "${PROMPT_COMMAND[@]}")
  else
    PROMPT_COMMAND='__berth_precmd; eval "$__berth_trap_back"'"${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
  fi
fi
# ------------------------------------------------------------------------
