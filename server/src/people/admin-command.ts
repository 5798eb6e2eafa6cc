// `berth admin create --email <email> --name <name>`: the password is typed twice without echo (or read as
// one line from a pipe); there is never a default one.
import readline from 'node:readline';
import type { Config } from '../config.js';
import { consoleLog, openStores } from '../store/stores.js';
import { createAdmin } from './create-admin.js';

const USAGE = [
  'Usage: berth admin create --email <email> --name "<name>"   (the password is asked for, or read as one line from stdin)',
  '       berth admin remove --email <email>                   (any staff account, and its sign-ins)',
].join('\n');

export async function adminCommand(args: string[], config: Config): Promise<number> {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const email = flag('--email');
  const name = flag('--name');
  if (args[0] === 'remove' && email) return removeAccount(config, email);
  if (args[0] !== 'create' || !email || !name) {
    console.error(USAGE);
    return 2;
  }
  const password = await readPassword('Password (12 characters or more): ');
  if (process.stdin.isTTY && (await readPassword('The same password again: ')) !== password) {
    console.error('berth: the two passwords differ; nothing was changed.');
    return 1;
  }
  const stores = await openStores(config, consoleLog);
  try {
    console.log(await createAdmin(stores.staff, { email, name, password }));
    return 0;
  } catch (err) {
    console.error(`berth: ${(err as Error).message}`);
    return 1;
  } finally {
    await stores.close();
  }
}

async function removeAccount(config: Config, email: string): Promise<number> {
  const stores = await openStores(config, consoleLog);
  try {
    if (!(await stores.staff.remove(email))) {
      console.error(`berth: there is no account ${email}.`);
      return 1;
    }
    console.log(`Account ${email} removed; its sign-ins end now.`);
    return 0;
  } finally {
    await stores.close();
  }
}

/** A line from stdin: typed without echo at a terminal, or the first line of a pipe. */
export async function readPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const rl = readline.createInterface({ input });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return '';
  }
  process.stdout.write(prompt);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(typed);
        if (ch === '\u0003') return done(null);
        if (ch === '\u007f') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    const done = (value: string | null) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stdout.write('\n');
      if (value === null) reject(new Error('cancelled'));
      else resolve(value);
    };
    input.on('data', onData);
  });
}
