/** Requests of one design with one number of tabs, as bench/tabs.mjs counts them. */
export interface TabsEntry {
  /** The library's requests over the simulated minutes, once the tabs were open. */
  requests: number;
  byPath: Record<string, number>;
  openingRequests: number;
  errors: string[];
}
export function measureTabs(options?: {
  minutes?: number;
  tabCounts?: number[];
  warnAfter?: number;
  expireAfter?: number;
  designs?: Array<'sessionguard' | 'perTabTimer'>;
}): Promise<Record<string, { label: string; byTabs: Record<string, TabsEntry> }>>;
export function run(): Promise<unknown>;
