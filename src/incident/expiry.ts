/** When a containment is due to be lifted: the one rule `airlock expire` acts on and `airlock list` shows. */
import type { Incident } from './types';

/** Whether `incident` is still active although its declared `expiresAt` is at or before `nowMs`. */
export function isPastExpiry(incident: Pick<Incident, 'status' | 'expiresAt'>, nowMs: number): boolean {
  return incident.status === 'active' && incident.expiresAt !== undefined && Date.parse(incident.expiresAt) <= nowMs;
}
