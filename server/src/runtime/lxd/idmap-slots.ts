// A uid range of its own for each sandbox (security.idmap.isolated), chosen by Berth: LXD's own choice races
// when sandboxes are created in parallel (newuidmap: "uid range … not allowed"). The ranges lie in root's
// subordinate ids, which native/lxd/lxd-host.sh sets to root:1000000:1000000000.
export const IDMAP_FIRST = 1_000_000;
export const IDMAP_SIZE = 65_536;
/** Root's subordinate range holds this many; the first is left to LXD's own (non-isolated) default. */
export const IDMAP_SLOTS = Math.floor(1_000_000_000 / IDMAP_SIZE) - 1;

export class IdmapSlots {
  private readonly reserved = new Set<number>();

  /** A free range, kept from other takers until release() (by then the instance's config names it). */
  take(usedBases: (string | undefined)[]): { base: number; size: number; release: () => void } {
    const used = new Set(usedBases.map(Number).filter((n) => Number.isInteger(n)));
    for (let slot = 1; slot <= IDMAP_SLOTS; slot++) {
      const base = IDMAP_FIRST + slot * IDMAP_SIZE;
      if (used.has(base) || this.reserved.has(base)) continue;
      this.reserved.add(base);
      return { base, size: IDMAP_SIZE, release: () => this.reserved.delete(base) };
    }
    throw new Error(`every one of the ${IDMAP_SLOTS} uid ranges for sandboxes is taken`);
  }
}
