// A registry's answer read whole, but never more than `max` bytes of it: a registry (or what answers in its
// place) could send an endless body.

/** The body, or undefined (the download cancelled) once it passes max bytes. */
export async function readBounded(res: Response, max: number): Promise<Buffer | undefined> {
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
