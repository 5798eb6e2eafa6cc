// A session's extra terminals as this browser tab shows them: which are open, which one is on screen.
import { MAX_TERMINALS, type CreateSessionResponse } from '@berth/shared';
import { closeTerminal } from './api.js';
import { TerminalTab, type TabOwner } from './terminal-tab.svelte.js';

export class ExtraTerminals {
  /** In tab order; terminal 0 (the session's own) is not among them. */
  list = $state<TerminalTab[]>([]);
  /** The terminal on screen: 0, or one of `list`'s indexes. */
  active = $state(0);
  /** Closed here: a `terminals` list the server sent before it heard of the close must not bring them back. */
  #closing = new Set<number>();

  constructor(private readonly owner: TabOwner) {}

  get full(): boolean {
    return this.list.length >= MAX_TERMINALS - 1;
  }

  /** The extra terminal on screen; null while terminal 0 is. */
  get onScreen(): TerminalTab | null {
    return this.active === 0 ? null : (this.list.find((t) => t.index === this.active) ?? null);
  }

  /** Opens the lowest free terminal number and puts it on screen. */
  open(creds: CreateSessionResponse): void {
    if (this.full) return;
    const used = new Set(this.list.map((t) => t.index));
    let index = 1;
    while (used.has(index)) index++;
    this.#closing.delete(index);
    this.#add([new TerminalTab(index, creds, this.owner)]);
    this.active = index;
  }

  /** Closes one: its shell, and everything started from it, ends. */
  close(creds: CreateSessionResponse, index: number): void {
    const tab = this.list.find((t) => t.index === index);
    if (!tab) return;
    this.#closing.add(index);
    this.drop(tab);
    closeTerminal(creds.id, creds.token, index).catch(() => {}); // already gone: nothing to end
  }

  /** The tab goes from the list (its terminal was closed, here or elsewhere). */
  drop(tab: TerminalTab): void {
    tab.dispose();
    this.list = this.list.filter((t) => t !== tab);
    if (this.active === tab.index) this.active = 0;
  }

  /** The server's list of open terminals: the ones another tab of this browser opened appear here too. */
  sync(creds: CreateSessionResponse, open: number[]): void {
    for (const index of this.#closing) if (!open.includes(index)) this.#closing.delete(index);
    const known = new Set(this.list.map((t) => t.index));
    const fresh = open.filter((i) => i > 0 && i < MAX_TERMINALS && !known.has(i) && !this.#closing.has(i));
    this.#add(fresh.map((i) => new TerminalTab(i, creds, this.owner)));
  }

  /** Every tab's socket again (after this browser tab took the session over). */
  reconnect(): void {
    for (const tab of this.list) tab.connect();
  }

  /** Every tab's socket closed (the session ended, or another tab took it over); the shells stay. */
  clear(): void {
    for (const tab of this.list) tab.dispose();
    this.list = [];
    this.active = 0;
    this.#closing.clear();
  }

  #add(tabs: TerminalTab[]): void {
    if (!tabs.length) return;
    this.list = [...this.list, ...tabs].sort((a, b) => a.index - b.index);
    for (const tab of tabs) tab.connect();
  }
}
