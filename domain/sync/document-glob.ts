/**
 * Document id globs, as the config file's subscribers and the validation hooks name documents:
 * `*` stands for any run of characters (slashes too), everything else is itself.
 * `projects/tower-1/*` matches `projects/tower-1/plan`; `*` matches every document.
 */
export function matchesDocumentGlob(glob: string, documentId: string): boolean {
  const parts = glob.split('*');
  if (parts.length === 1) return glob === documentId;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (documentId.length < first.length + last.length) return false;
  if (!documentId.startsWith(first) || !documentId.endsWith(last)) return false;
  // The middle parts in order, each as early as it can be (greedy from the left is exact for `*`).
  let at = first.length;
  const end = documentId.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = documentId.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
