// A job's `if:` filter against what started the run, with GitHub Actions' rules for `on:` filters.
import picomatch from 'picomatch/posix';
import type { JobFilter, PipelineTrigger } from './pipeline-types';

/**
 * Why the job does not run for this trigger, in words, or undefined when it runs. Every list given
 * must let the trigger through:
 * - `events`: the trigger's event is one of them;
 * - `branches` / `branches-ignore`: the branch matches (for pull requests the BASE branch, as GitHub
 *   matches `on.pull_request.branches`); without a branch (a tag or a bare sha) `branches` refuses and
 *   `branches-ignore` lets it through;
 * - `paths`: at least one changed path matches; `paths-ignore`: not every changed path is ignored.
 *   Unknown changed paths (a manual run) let both through: nothing says the job is not needed.
 * Patterns are globs (`*` stops at `/`, `**` does not) read in order; `!pattern` takes back a match.
 */
export function jobFilterRefusal(filter: JobFilter | undefined, trigger: PipelineTrigger): string | undefined {
  if (!filter) return undefined;
  if (filter.events && !filter.events.includes(trigger.event)) {
    return `event ${trigger.event} is not in if.events (${filter.events.join(', ')})`;
  }
  const branch = filteredBranchOf(trigger);
  const which = trigger.event === 'pull_request' ? 'base branch' : 'branch';
  if (filter.branches) {
    if (branch === undefined) return `no branch to match if.branches (ref ${trigger.ref})`;
    if (!globsMatch(filter.branches, branch)) return `${which} ${branch} does not match if.branches`;
  }
  if (filter.branchesIgnore && branch !== undefined && globsMatch(filter.branchesIgnore, branch)) {
    return `${which} ${branch} matches if.branches-ignore`;
  }
  const changed = trigger.changedPaths;
  if (changed === undefined) return undefined;
  if (filter.paths && !changed.some((path) => globsMatch(filter.paths ?? [], path))) {
    return `no changed path matches if.paths`;
  }
  if (filter.pathsIgnore && changed.every((path) => globsMatch(filter.pathsIgnore ?? [], path))) {
    return changed.length === 0 ? 'no changed path (if.paths-ignore)' : 'every changed path matches if.paths-ignore';
  }
  return undefined;
}

/** The branch `branches` filters look at: the base branch of a pull request, else the pushed branch. */
function filteredBranchOf(trigger: PipelineTrigger): string | undefined {
  if (trigger.event === 'pull_request') return trigger.base?.branch ?? trigger.branch;
  return (
    trigger.branch ?? (trigger.ref.startsWith('refs/heads/') ? trigger.ref.slice('refs/heads/'.length) : undefined)
  );
}

/** GitHub's ordered glob lists: the last pattern that speaks decides; `!p` un-matches what p matches. */
export function globsMatch(patterns: readonly string[], value: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (negated === matched && picomatch.isMatch(value, glob, { dot: true })) matched = !negated;
  }
  return matched;
}
