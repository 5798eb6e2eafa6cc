// BERTH_OIDC_*: staff sign-in at the school's OpenID provider, checked at boot like every BERTH_* setting.
import { STAFF_OIDC_CALLBACK_PATH } from '@berth/shared';

export interface OidcConfig {
  /** The provider's issuer identifier, exactly as its ID tokens name it. */
  issuer: string;
  clientId: string;
  /** Never logged. */
  clientSecret: string;
  /** The button says "Sign in with <name>". */
  name: string;
  /** `${BERTH_PUBLIC_URL}/api/staff/oidc/callback`: what the operator registers at the provider. */
  redirectUri: string;
  /** Who a first sign-in with an unknown email becomes; null: only accounts an admin made sign in. Never admin. */
  newRole: 'teacher' | 'interviewer' | null;
  /** The email domains (lowercase) a new account may come from; empty without newRole. */
  domains: string[];
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function parseOidc(env: NodeJS.ProcessEnv, publicUrl: string | null, problems: string[]): OidcConfig | null {
  const issuer = env.BERTH_OIDC_ISSUER || '';
  const clientId = env.BERTH_OIDC_CLIENT_ID || '';
  const clientSecret = env.BERTH_OIDC_CLIENT_SECRET || '';
  const others = ['BERTH_OIDC_NAME', 'BERTH_OIDC_NEW_ROLE', 'BERTH_OIDC_DOMAINS'].filter((name) => env[name]);
  if (!issuer && !clientId && !clientSecret) {
    if (others.length) problems.push(`${others.join(', ')} need BERTH_OIDC_ISSUER, BERTH_OIDC_CLIENT_ID and BERTH_OIDC_CLIENT_SECRET (OIDC sign-in is off without them)`);
    return null;
  }
  const before = problems.length;
  const missing = [!issuer && 'BERTH_OIDC_ISSUER', !clientId && 'BERTH_OIDC_CLIENT_ID', !clientSecret && 'BERTH_OIDC_CLIENT_SECRET'].filter(Boolean);
  if (missing.length) problems.push(`OIDC sign-in needs all of BERTH_OIDC_ISSUER, BERTH_OIDC_CLIENT_ID and BERTH_OIDC_CLIENT_SECRET: ${missing.join(', ')} missing`);
  if (issuer) issuerProblem(issuer, problems);
  if (clientId && !/^[\x21-\x7e]{1,256}$/.test(clientId)) problems.push('BERTH_OIDC_CLIENT_ID must be 1 to 256 printable characters without spaces, as the provider gave it');
  if (clientSecret && !/^[\x21-\x7e]{1,512}$/.test(clientSecret)) problems.push('BERTH_OIDC_CLIENT_SECRET must be 1 to 512 printable characters without spaces, as the provider gave it');
  if (!publicUrl) problems.push(`OIDC sign-in needs BERTH_PUBLIC_URL: the provider sends staff back to \${BERTH_PUBLIC_URL}${STAFF_OIDC_CALLBACK_PATH}`);
  const name = (env.BERTH_OIDC_NAME ?? '').trim() || 'School account';
  if (!/^[^\p{Cc}]{1,40}$/u.test(name)) problems.push('BERTH_OIDC_NAME must be one line of at most 40 characters (the button says "Sign in with <name>")');
  const role = env.BERTH_OIDC_NEW_ROLE || '';
  if (role && role !== 'teacher' && role !== 'interviewer') {
    problems.push(`BERTH_OIDC_NEW_ROLE=${role} must be teacher or interviewer (an admin is never made by a sign-in: npx berth admin create)`);
  }
  const domains = (env.BERTH_OIDC_DOMAINS ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
  const badDomains = domains.filter((d) => !DOMAIN.test(d));
  if (badDomains.length) problems.push(`BERTH_OIDC_DOMAINS: ${badDomains.map((d) => `"${d}"`).join(', ')} is not an email domain (a comma list like school.example,staff.school.example)`);
  if (role && !domains.length) problems.push('BERTH_OIDC_NEW_ROLE needs BERTH_OIDC_DOMAINS: the email domains whose people may get an account by signing in');
  if (!role && domains.length) problems.push('BERTH_OIDC_DOMAINS does nothing without BERTH_OIDC_NEW_ROLE (teacher or interviewer): set both, or neither');
  if (problems.length > before) return null;
  return {
    issuer,
    clientId,
    clientSecret,
    name,
    redirectUri: `${publicUrl}${STAFF_OIDC_CALLBACK_PATH}`,
    newRole: role === 'teacher' || role === 'interviewer' ? role : null,
    domains,
  };
}

function issuerProblem(issuer: string, problems: string[]): void {
  const wrong = (why: string) => problems.push(`BERTH_OIDC_ISSUER=${issuer} must be the provider's issuer URL, like https://login.school.example/realms/staff (${why})`);
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return void wrong('not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) return void wrong('https, or http only for localhost and 127.0.0.1');
  if (url.username || url.password) return void wrong('no user or password');
  if (url.search || url.hash || /[?#]/.test(issuer)) wrong('no query or fragment');
  else if (issuer.length > 500) wrong('at most 500 characters');
}
