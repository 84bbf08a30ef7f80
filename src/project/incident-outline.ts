/**
 * An incident as a whole-project synth first needs it: what listing its `dist/` folders reads (file, slug,
 * status, clusters, whether it captures evidence), with the whole validated incident behind it. The synth
 * cache (incident-cache.ts) keeps each incident as JSON text and parses it only when something asks for the
 * incident itself: a synth with one incident changed among 5,000 renders one, and parsing the other 4,999 in
 * full (and collecting their objects) was about a tenth of its time.
 */
import type { Incident, IncidentStatus } from '../incident/types';

/** An incident's outline and, on first use, the incident. */
export class IncidentOutline {
  /** The incident, or its JSON text until {@link incident} is first read. */
  private value: Incident | string;

  private constructor(
    /** Path of the declaring file, relative to the project root. */
    readonly file: string,
    /** The folder name of its `dist/` folders (see Incident.slug). */
    readonly slug: string,
    readonly status: IncidentStatus,
    /** The clusters it applies to; undefined: every cluster. */
    readonly clusters: readonly string[] | undefined,
    /** Whether it declares a `captureEvidence` action (it owns a capture folder when the settings have `evidence`). */
    readonly captures: boolean,
    value: Incident | string,
  ) {
    this.value = value;
  }

  /** The outline of a validated incident. */
  static of(incident: Incident): IncidentOutline {
    const captures = incident.actions.some((a) => a.kind === 'captureEvidence');
    return new IncidentOutline(incident.file, incident.slug, incident.status, incident.clusters, captures, incident);
  }

  /**
   * An outline whose incident is parsed from `json` on first use. The fields must be those of that incident
   * ({@link IncidentOutline.of} on it): the cache records both together.
   */
  static lazy(fields: Omit<IncidentOutline, 'incident' | 'json'>, json: string): IncidentOutline {
    return new IncidentOutline(fields.file, fields.slug, fields.status, fields.clusters, fields.captures, json);
  }

  /** The validated incident. */
  get incident(): Incident {
    if (typeof this.value === 'string') this.value = JSON.parse(this.value) as Incident;
    return this.value;
  }

  /** The incident as JSON text, without parsing it when it has not been. */
  json(): string {
    return typeof this.value === 'string' ? this.value : JSON.stringify(this.value);
  }
}
