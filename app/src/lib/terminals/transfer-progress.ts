/** Words for file transfer progress: byte counts people read, and "Uploading x: 40% of 3.1 MB". */

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function transferLabel(p: { verb: string; name: string; done: number; total: number }): string {
  if (p.total === 0) return `${p.verb} ${p.name}…`;
  const percent = Math.min(100, Math.floor((p.done / p.total) * 100));
  return `${p.verb} ${p.name}: ${percent}% of ${formatBytes(p.total)}`;
}
