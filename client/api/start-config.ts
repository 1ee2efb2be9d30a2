import { configFileSchema } from '../../domain/config-file';
import type { StartConfig, StartContext } from './registry';

/** The config sections a start reads: the context's, else an empty config file's (no review jurisdictions, the default escalation policy). */
export function startConfigOf(context: StartContext): StartConfig {
  if (context.config) return context.config();
  const { compliance, escalation } = configFileSchema.parse({});
  return { compliance, escalation };
}
