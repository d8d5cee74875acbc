/** "ScrubIn-ChargeNurses" from "arn:aws:iam::000000000000:role/ScrubIn-ChargeNurses". */
export function roleName(arn: string | null): string {
  if (!arn) return 'Default role';
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  return name.replace(/^ScrubIn-/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

export function formatTime(epochMs: number): string {
  // 24-hour clock, as used on hospital wards and in the OR.
  return new Date(epochMs).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}
