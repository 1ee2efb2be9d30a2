import {
  chooseAlert,
  idMatchesSenderKey,
  needsSenderKeyOf,
  parseAlertReference,
  sourceOfAlertId,
  type AlertReference,
} from '../../domain/alerts/alert-keys';
import { alertmanagerDedupKey, alertWorkflowId, pagerdutyDedupKey } from '../../domain/alerts/dedup';
import { sha256Hex } from '../../domain/alerts/sha256';

const reference = (text: string) => parseAlertReference(text) as AlertReference;

describe('naming an alert by its alert id or by the key its sender gave', () => {
  it('takes an alert id, a workflow id or any printable sender key; refuses empty, long and control characters', () => {
    expect(parseAlertReference('db-disk')).toEqual({ given: 'db-disk', workflowId: 'alert/db-disk' });
    expect(parseAlertReference('alert/pd-eb0de251-db-disk')).toEqual({
      given: 'pd-eb0de251-db-disk',
      workflowId: 'alert/pd-eb0de251-db-disk',
    });
    // Not safe in an id: only a sender's key, so there is no workflow to look up first.
    expect(parseAlertReference('db-1/disk full')).toEqual({ given: 'db-1/disk full' });
    for (const [text, message] of [
      ['', /required/],
      ['alert/', /required/],
      ['k'.repeat(256), /at most 255/],
      ['db\ndisk', /control characters/],
    ] as const) {
      const refused = parseAlertReference(text);
      expect(refused).toEqual({ issue: { path: 'alert', message: expect.stringMatching(message) } });
    }
  });

  it("matches a PagerDuty alert's id to its dedup_key whatever the routing key, digest tails included", () => {
    const id = (routing: string, key: string) => alertWorkflowId(pagerdutyDedupKey(routing, key));
    expect(idMatchesSenderKey(id('R1', 'db-disk'), 'db-disk')).toBe(true);
    expect(idMatchesSenderKey(id('R2', 'db-disk'), 'db-disk')).toBe(true);
    expect(idMatchesSenderKey(id('R1', 'db-disk'), 'db')).toBe(false);
    expect(idMatchesSenderKey(id('R1', 'db-1/disk full'), 'db-1/disk full')).toBe(true);
    expect(id('R1', 'db-1/disk full')).toContain(sha256Hex('db-1/disk full'));
    expect(idMatchesSenderKey(id('R1', 'k'.repeat(244)), 'k'.repeat(244))).toBe(true); // too long: its digest
    expect(idMatchesSenderKey('alert/db-disk', 'db-disk')).toBe(false);
    expect(idMatchesSenderKey(alertWorkflowId(alertmanagerDedupKey('g', 'db-disk')), 'db-disk')).toBe(false);
  });

  it('reads Alertmanager alerts only for a key shaped like a fingerprint', () => {
    const am = alertWorkflowId(alertmanagerDedupKey('{}:{}', '0123456789abcdef'));
    expect(needsSenderKeyOf(am, '0123456789abcdef')).toBe(true);
    expect(needsSenderKeyOf(am, 'db-disk')).toBe(false);
    expect(needsSenderKeyOf(alertWorkflowId(pagerdutyDedupKey('R', 'x')), '0123456789abcdef')).toBe(false);
    expect(sourceOfAlertId(am)).toBe('alertmanager');
    expect(sourceOfAlertId(alertWorkflowId(pagerdutyDedupKey('R', 'x')))).toBe('pagerduty');
    expect(sourceOfAlertId('alert/metric-cpu-0123')).toBe('metrics');
  });

  it('chooses the one match; names both forms when none; lists the ids when several, never guessing', () => {
    const one = alertWorkflowId(pagerdutyDedupKey('R1', 'db-disk'));
    const other = alertWorkflowId(pagerdutyDedupKey('R2', 'db-disk'));
    expect(chooseAlert(reference('db-disk'), [{ workflowId: one }, { workflowId: one }])).toEqual({
      kind: 'found',
      workflowId: one,
    });

    const none = chooseAlert(reference('db-disk'), []);
    expect(none.kind).toBe('missing');
    expect((none as { message: string }).message).toMatch(
      /^no alert "db-disk": it is neither an alert id \(no workflow alert\/db-disk\) nor the dedup key a sender gave/,
    );
    expect((chooseAlert(reference('a b'), []) as { message: string }).message).toMatch(
      /it is not the dedup key a sender gave to any alert \(PagerDuty dedup_key, Alertmanager fingerprint\)/,
    );

    const several = chooseAlert(reference('db-disk'), [
      { workflowId: other, status: 'RUNNING' },
      { workflowId: one, status: 'COMPLETED' },
    ]);
    expect(several).toEqual({
      kind: 'ambiguous',
      workflowIds: [one, other].sort(),
      message: expect.stringMatching(/^the dedup key "db-disk" names 2 alerts: .*give the alert id instead$/),
    });
    const message = (several as { message: string }).message;
    expect(message).toContain(`${one.slice('alert/'.length)} (pagerduty, completed)`);
    expect(message).toContain(`${other.slice('alert/'.length)} (pagerduty, running)`);
  });
});
