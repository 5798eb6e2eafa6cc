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
# Reserved: OSC 133 (prompt / command start / end with exit code) and
# OSC 633;E (command line) hooks are added here by the terminal task.
# ------------------------------------------------------------------------
