# Berth: shell setup for the sandbox (installed as /etc/profile.d/berth.sh,
# also sourced from ~/.bashrc). Keep it small and safe to source twice.

export DOCKER_HOST="${DOCKER_HOST:-unix:///run/user/$(id -u)/docker.sock}"

# Everything below is for interactive bash only.
[ -n "${BASH_VERSION:-}" ] || return 0 2>/dev/null || true
case $- in *i*) ;; *) return 0 ;; esac

# Prompt: user@berth:~$  (green user@host, blue path; the container's
# hostname is a random id, so show the product name instead).
PS1='\[\e[1;32m\]\u@berth\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ '

# Bash completion, including docker's.
if ! shopt -oq posix; then
  if [ -z "${BASH_COMPLETION_VERSINFO:-}" ] && [ -r /usr/share/bash-completion/bash_completion ]; then
    . /usr/share/bash-completion/bash_completion
  fi
  if ! complete -p docker >/dev/null 2>&1 && [ -r /usr/share/bash-completion/completions/docker ]; then
    . /usr/share/bash-completion/completions/docker
  fi
fi

# --- berth: shell-integration marks -------------------------------------
# Berth learns what the learner ran from marks in the terminal output (read and removed by the server,
# server/src/terminal/shell-integration.ts): OSC 633;E (the command line, VS Code's escaping), OSC 133;C
# (it starts), OSC 133;D (its exit status), OSC 133;A/B (prompt). E and D carry a nonce the server gave this
# shell, so text a learner prints cannot pass for a command. The marks do not live in PS1: a learner who
# replaces their prompt is still seen.
__berth_nonce=${BERTH_SHELL_NONCE:-${__berth_nonce:-}}
unset BERTH_SHELL_NONCE
if [ -n "$__berth_nonce" ] && [ -z "${__berth_hooked:-}" ]; then
  __berth_hooked=1
  # A command typed with a leading space must still reach the history, where the marks read it from.
  HISTCONTROL=ignoredups

  __berth_escape() {
    local v=$1
    v=${v//\\/\\\\}
    v=${v//;/\\x3b}
    v=${v//$'\n'/\\x0a}
    v=${v//$'\r'/\\x0d}
    v=${v//$'\e'/\\x1b}
    v=${v//$'\a'/\\x07}
    printf '%s' "$v"
  }

  # Runs in PS0's command substitution: after a line is read, before it runs.
  __berth_preexec() {
    local entry
    entry=$(HISTTIMEFORMAT='' builtin history 1)
    [[ $entry =~ ^[[:space:]]*[0-9]+\*?[[:space:]]+(.*)$ ]] && entry=${BASH_REMATCH[1]}
    printf '\e]633;E;%s;%s\a\e]133;C\a' "$(__berth_escape "$entry")" "$__berth_nonce"
  }

  __berth_precmd() {
    local status=$?
    [ "${HISTCONTROL:-}" = ignoredups ] || HISTCONTROL=ignoredups
    printf '\e]133;D;%s;%s\a\e]133;A\a' "$status" "$__berth_nonce"
    return $status
  }

  PS0='$(__berth_preexec)'"${PS0:-}"
  if [[ $(declare -p PROMPT_COMMAND 2>/dev/null) == "declare -a"* ]]; then
    PROMPT_COMMAND=(__berth_precmd "${PROMPT_COMMAND[@]}")
  else
    PROMPT_COMMAND="__berth_precmd${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
  fi
fi
# ------------------------------------------------------------------------
