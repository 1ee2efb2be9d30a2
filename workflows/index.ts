// Every workflow type the arxflow worker runs; the bundle is built from this file.
export { healthCheck } from './health-check';
export { durabilityProbe } from './durability-probe';
