// The short, stable name of a repository in run ids, cache keys and quality history.
import { InputError } from '../validation';

/**
 * `https://github.com/o/n(.git)` -> `o/n`; another host keeps its name (`git.example.com/o/n`);
 * `git@github.com:o/n.git` -> `o/n`; `file:///a/b/repo` and `/a/b/repo` -> `a/b/repo`. Credentials in
 * a URL, a trailing `.git`, trailing and doubled slashes and `.` segments are dropped, `..` resolved, so
 * every spelling of one repository gives one key (and a token never reaches a workflow id).
 */
export function repoKeyOf(repo: string): string {
  const given = repo.trim();
  if (given === '') throw new InputError('repo: must name a repository (a local path, file:// or https URL)');
  const scp = /^[\w.-]+@([\w.-]+):(?!\/\/)(.+)$/.exec(given);
  const url = scp ? undefined : /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(given);
  let host = '';
  let path = given;
  if (scp) [, host = '', path = ''] = scp;
  else if (url) {
    const [, scheme = '', authority = '', rest = ''] = url;
    host = scheme.toLowerCase() === 'file' ? '' : authority.replace(/^.*@/, '').replace(/:\d+$/, '').toLowerCase();
    path = rest;
  }
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  if (segments[segments.length - 1] === '.git') segments.pop(); // the repository's .git directory
  const last = segments.length - 1;
  if (last >= 0) segments[last] = (segments[last] as string).replace(/\.git$/, '');
  if (segments.length === 0 || segments[segments.length - 1] === '') {
    throw new InputError(`repo: "${repo}" names no repository`);
  }
  const key = segments.join('/');
  return host === '' || host === 'github.com' || host === 'www.github.com' ? key : `${host}/${key}`;
}
