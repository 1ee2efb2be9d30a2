import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker state changes at INFO drown the test output; warnings and errors still show.
// Imported first by temporal-env.ts, which every test that runs a worker or a Temporal server
// goes through (before any of them creates the runtime). Not a jest setupFile: loading
// @temporalio/worker costs a test file about a second, and most unit tests never use it.
Runtime.install({ logger: new DefaultLogger('WARN') });
