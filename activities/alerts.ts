import { AlertSilences } from '../db/alert-silences';
import type { Store } from '../db/store';
import type { Silence } from '../domain/alerts/silences';

/** What the alert workflows read from the store: the silences that have not ended. */
export function createAlertActivities({ store }: { store: Store }) {
  const silences = new AlertSilences(store.db);
  return {
    /** Active and upcoming silences; the workflow matches them against its labels (activeSilenceFor). */
    async currentSilences(): Promise<Silence[]> {
      return silences.current(new Date());
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
