// What is beside the terminal: the engine view or the files (one at a time), or nothing. Until the visitor
// chooses (a choice kept in this browser), the engine view is there while the window is wide, and goes when it
// narrows.
import { MediaQuery } from 'svelte/reactivity';

export type Side = 'engine' | 'files' | 'none';
const SIDE_KEY = 'berth.side';

export class SidePanel {
  readonly #wide = new MediaQuery('(min-width: 1280px)');
  #chosen = $state<Side | null>(null);
  readonly side: Side = $derived(this.#chosen ?? (this.#wide.current ? 'engine' : 'none'));

  constructor() {
    const kept = localStorage.getItem(SIDE_KEY);
    if (kept === 'engine' || kept === 'files' || kept === 'none') this.#chosen = kept;
  }

  /** The visitor pressed a side panel's button: it opens, or closes when it was open. Kept. */
  toggle(which: Side): void {
    this.#chosen = this.side === which ? 'none' : which;
    localStorage.setItem(SIDE_KEY, this.#chosen);
  }

  /** A step opens a file: the files are shown (not kept as the visitor's choice across reloads). */
  show(which: Side): void {
    this.#chosen = which;
  }
}
