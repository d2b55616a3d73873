/** One command as MONITOR showed it. */
export interface MonitoredCommand {
  /** `ip:port` of the connection that sent it (for a script's inner command, the one that sent the script). */
  client: string;
  /** Upper-case command name. */
  command: string;
  args: string[];
  /** True for a command run inside a Lua script. */
  lua: boolean;
}
export interface Monitor {
  readonly seen: MonitoredCommand[];
  stop(): Promise<MonitoredCommand[]>;
}
export function startMonitor(url?: string): Promise<Monitor>;
export function countCommands(
  seen: MonitoredCommand[],
  clients: string[],
): { roundTrips: number; commands: number; byCommand: Record<string, number>; scripts: Array<{ command: string; inner: string[] }> };
export function typicalRequest(
  counts: ReturnType<typeof countCommands>,
  requests: number,
): { roundTripsPerRequest: number; commandsPerRequest: number; writes: number; retried: number };
export function clientAddress(clientInfo: unknown): string;
