// Numbers and times as the page shows them.

/** Bytes as gigabytes with one decimal (binary units, like the server's BERTH_SESSION_DISK): 2147483648 -> "2.0". */
export function gigabytes(bytes: number): string {
  return (Math.max(0, bytes) / 2 ** 30).toFixed(1);
}

/** A time of day as hours and minutes in the browser's own format. */
export function clockTime(date: Date): string {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
