// What a scenario written for a root VM uses that a Berth session lacks. A session is Debian with a rootless
// Docker engine: the learner is "user" (home /home/user), not root, without sudo, systemd, a package manager
// they may use, a cluster, or the internet. Each finding is a sentence the import report prints for its step.

interface Lack {
  pattern: RegExp;
  says: string;
}

const LACKS: Lack[] = [
  { pattern: /\bsudo\b/, says: 'sudo: a session has no sudo (the learner is not root)' },
  { pattern: /\b(apt-get|apt|yum|dnf|apk|zypper)\s+(-\S+\s+)*(install|add|update|upgrade)\b/, says: 'installs packages as root: a session\'s learner cannot install system packages' },
  { pattern: /\b(systemctl|service\s+\S+\s+(start|stop|restart)|journalctl)\b/, says: 'systemd (systemctl, service, journalctl): a session has no init system to talk to' },
  { pattern: /(^|[\s"'=:(])(\/root\b|~root\b|\/home\/scrapbook\b)/, says: '/root (a root VM\'s home): a session\'s home is /home/user ($HOME)' },
  { pattern: /\bdocker-compose\b/, says: 'docker-compose (v1): not installed in a session' },
  { pattern: /\b(kubectl|minikube|kubeadm|kind|k3s|k3d|helm|launch\.sh)\b/, says: 'Kubernetes (kubectl, minikube, launch.sh…): a session has a Docker engine and no cluster' },
  { pattern: /\b(curl|wget)\b[^\n|;&]*\bhttps?:\/\/(?!(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])[:/\s])/, says: 'downloads from the internet: a session reaches no internet (the mirror\'s images only)' },
  { pattern: /\bgit\s+clone\s+\S*(https?:\/\/|git@)/, says: 'git clone of a remote repository: a session reaches no internet' },
  { pattern: /\b(pip3?|npm|gem|go)\s+(install|get)\b/, says: 'installs from a package registry: a session reaches none unless the operator allows package egress' },
  { pattern: /\b(iptables|brctl|modprobe|sysctl\s+-w|mount\s+-t)\b/, says: 'host networking or kernel settings (iptables, brctl, modprobe, mount): a session\'s learner is not root on a host' },
  { pattern: /\bdocker\s+swarm\b|\bdocker\s+(service|stack|node)\s/, says: 'Docker swarm: a session\'s engine is a single rootless node without swarm' },
  { pattern: /\/var\/run\/docker\.sock/, says: '/var/run/docker.sock: a session\'s engine listens on $DOCKER_HOST (/run/user/1000/docker.sock)' },
  { pattern: /\/(ks|opt\/katacoda|var\/run\/kc-internal)\//, says: 'Katacoda/KillerCoda asset paths (/ks, /var/run/kc-internal): the assets are not carried, so a script that waits for one never finishes and its set-up fails after 120 s' },
];

/** The sentences for everything in a script or command that a session lacks (each once). */
export function sessionLacks(script: string): string[] {
  const code = script
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  return LACKS.filter((l) => l.pattern.test(code)).map((l) => l.says);
}

/** backend.imageid values whose VM is a Docker host, as a session is. Anything else is reported. */
const DOCKER_HOSTS = /^(docker|ubuntu|ubuntu\d*|ubuntu:\d+\.?\d*|bash|debian.*|docker-.*)$/;

export function environmentNote(imageid: string | undefined): string | undefined {
  if (!imageid || DOCKER_HOSTS.test(imageid)) return undefined;
  return `backend.imageid "${imageid}": the scenario was written for that environment; a Berth session is a Debian shell with a rootless Docker engine`;
}
