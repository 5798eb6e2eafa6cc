// A class getting ready: the teacher asks for its sandboxes before the students arrive, and the warm pool
// grows by the seats not yet taken, until the class closes, is full or is ended. Kept in memory: after a
// restart the teacher asks again.

export class ClassWarmth {
  private readonly warming = new Set<string>();

  /** `seatsLeft`: the class's capacity less its students working now; null once it is closed or gone. */
  constructor(private readonly seatsLeft: (classId: string) => number | null) {}

  set(classId: string, on: boolean): void {
    if (on) this.warming.add(classId);
    else this.warming.delete(classId);
  }

  isOn(classId: string): boolean {
    return this.warming.has(classId);
  }

  /** Sandboxes wanted beyond the pool's own size: every getting-ready class's free seats. */
  demand(): number {
    let wanted = 0;
    for (const id of this.warming) {
      const left = this.seatsLeft(id);
      if (left === null) this.warming.delete(id);
      else wanted += left;
    }
    return wanted;
  }
}
