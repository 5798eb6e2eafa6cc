// An admin account, made on the host only (`npx berth admin create`): never by the web, never with a default password.
import { hashPassword, passwordProblem } from './passwords.js';
import { normalEmail, type StaffStore } from './staff-store.js';

export async function createAdmin(store: StaffStore, account: { email: string; name: string; password: string }): Promise<string> {
  const email = normalEmail(account.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error(`"${account.email}" is not an email address.`);
  if (!account.name.trim()) throw new Error('An account needs a name (--name "Ada Lovelace").');
  if (await store.byEmail(email)) throw new Error(`${email} already has an account; nothing was changed.`);
  const problem = passwordProblem(account.password);
  if (problem) throw new Error(problem);
  const created = await store.create({ email, name: account.name.trim(), role: 'admin', passwordHash: await hashPassword(account.password) });
  if (!created) throw new Error(`${email} already has an account; nothing was changed.`);
  return `Admin ${created.email} (${created.name}) created. Sign in at /staff.`;
}
