import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { sharedWorkflowBundle } from '../support/bundle';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { testCodecs } from '../support/temporal-env';

// Every recorded history (npm run histories:record) must replay on today's workflow code:
// a change that is not behind patched() fails here before it reaches running workflows.
const HISTORIES_DIR = path.resolve(__dirname, '..', 'histories');
const histories = readdirSync(HISTORIES_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, history: JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) }));

type RecordedHistory = {
  events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string }; workflowId?: string } }[];
};

function workflowTypeOf(history: RecordedHistory) {
  return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
}

/** The id it ran under, as its start event recorded it (a workflow may check its own id); else the file's name. */
function workflowIdOf(file: string, history: RecordedHistory) {
  return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? file;
}

describe('workflow history replay', () => {
  it('has a recorded history for every workflow type the worker runs', () => {
    const recorded = new Set(histories.map(({ history }) => workflowTypeOf(history)));
    const workflowTypes = Object.entries(workflows)
      .filter(([, value]) => typeof value === 'function') // the rest are message definitions
      .map(([name]) => name);
    expect(workflowTypes.length).toBeGreaterThan(0);
    expect(workflowTypes.filter((type) => !recorded.has(type))).toEqual([]);
  });

  it('replays every recorded history without nondeterminism', async () => {
    const results = Worker.runReplayHistories(
      // With the identity stamp codec as workers run it. Recorded histories are unstamped, so in
      // trusted (development) mode: requiring stamps would turn their votes into refusals, a
      // different history. Changing the trust mode of a namespace with open workflows does the same.
      { workflowBundle: sharedWorkflowBundle(), dataConverter: dataConverterOf(testCodecs('trusted')) },
      histories.map(({ file, history }) => ({ workflowId: workflowIdOf(file, history), history })),
    );
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of results) {
      replayed += 1;
      if (result.error) failures.push(`${histories[replayed - 1]!.file}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });
});
