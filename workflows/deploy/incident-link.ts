import { getExternalWorkflowHandle, sleep } from '@temporalio/workflow';
import type { DeployAlertSignal } from '../../domain/deploy/deploy-types';
import type { DeploymentState } from '../../domain/deploy/deployment-state';
import { incidentNoteSignal } from '../alerts/messages';
import { now } from '../kit/time';

/** Runs before this change replay without its signals and timers. */
export const LINK_INCIDENT_PATCH = 'deploy-link-incident';

// The alert's own workflow opens the incident beside the forward that reached this
// deployment, so it may not exist yet when the rollback ends: look for it a while.
const LINK_ATTEMPTS = 12;
const LINK_EVERY = '5 seconds';

/**
 * Tells the incident of the alert that rolled this deployment back (issue #14, the watch):
 * a note in the incident's timeline names the deployment, the version and what serves again,
 * and the deployment's timeline says whether the incident heard it. The note is sent as an
 * operator of the system (this workflow's id), stamped by the worker like any message.
 */
export async function linkIncident(state: DeploymentState, alert: DeployAlertSignal): Promise<void> {
  const incidentId = alert.incidentId!;
  const { service, environment, version } = state.view();
  const restored = state.previousVersion ? `${state.previousVersion} serves again` : 'nothing was serving before it';
  const note = {
    actor: state.workflowId,
    roles: ['operator'],
    note: `deployment ${state.workflowId} rolled back ${service} ${version} in ${environment} because ${alert.alertId} fired during its watch; ${restored}`,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await getExternalWorkflowHandle(incidentId).signal(incidentNoteSignal, note);
      state.note(now(), 'system', 'incident linked', incidentId);
      return;
    } catch (err) {
      if (attempt >= LINK_ATTEMPTS) {
        state.note(now(), 'system', 'incident not linked', `${incidentId} not open: ${(err as Error).message}`);
        return;
      }
      await sleep(LINK_EVERY);
    }
  }
}
