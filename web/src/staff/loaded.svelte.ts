// Something a staff page loads from the server and loads again on demand: the last answer, or why it failed.
export class Loaded<T> {
  value = $state.raw<T | null>(null);
  error = $state('');

  constructor(private readonly load: () => Promise<T>) {}

  async refresh(): Promise<void> {
    try {
      this.value = await this.load();
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }
}
