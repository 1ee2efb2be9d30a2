import type { SearchAttributePair } from '@temporalio/common';
import type { AlertStatus as AlertStatusName } from '../../domain/alerts/alert-state';
import type { Severity as SeverityName } from '../../domain/alerts/types';
import { AlertStatus, Service, Severity } from '../search-attributes';

/**
 * What an alert is found by in the Web UI and the API. The intake starts a new alert with
 * these (status triggered), so the run has nothing to upsert at its start: one visibility
 * write less on every alert's path.
 */
export function alertSearchAttributes(alert: {
  status: AlertStatusName;
  severity: SeverityName;
  service?: string | undefined;
}): SearchAttributePair[] {
  return [
    { key: Severity, value: alert.severity },
    { key: AlertStatus, value: alert.status },
    ...(alert.service ? [{ key: Service, value: alert.service }] : []),
  ];
}
