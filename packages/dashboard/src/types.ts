/** JSON the page reads from the server (the public API and the `GET /scouter/ts/profiles` extension). */

/** One entry of `GET /scouter/ts/profiles`. */
export interface ProfileSummary {
  space: string;
  name: string;
  version: string;
  drift_type: string;
  active: boolean;
  schedule: string;
  next_run: string;
  previous_run: string;
  created_at: string;
  updated_at: string;
  writable: boolean;
}

/** One alert of `GET /scouter/alerts`. */
export interface AlertJson {
  created_at: string;
  name: string;
  space: string;
  version: string;
  entity_name: string;
  alert: Record<string, string>;
  id: number;
  drift_type: string;
  active: boolean;
}

/** `GET /scouter/drift/custom`. */
export interface BinnedMetricsJson {
  metrics: Record<
    string,
    {
      metric: string;
      created_at: string[];
      stats: Array<{ avg: number; lower_bound: number; upper_bound: number }>;
    }
  >;
}
