/** Error messages squeezed into the one line a user sees (the CLI's rule: one line per problem). */

/** A message in one line: its first line, and the next when the first announces it (`stderr (file):`). */
export function oneLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return text;
  return lines[0].endsWith(':') && lines.length > 1 ? `${lines[0]} ${lines[1]}` : lines[0];
}
