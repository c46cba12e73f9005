/** What the extension's parts share; made once in `activate`. */
import type { DebugSessionTracker } from './debugSessions';
import type { Log } from './log';
import type { ProfilerPanels } from './profilerPanels';
import type { ProfilerService } from './profilerService';

export interface Services {
  readonly profiler: ProfilerService;
  readonly debugSessions: DebugSessionTracker;
  readonly panels: ProfilerPanels;
  readonly log: Log;
}
