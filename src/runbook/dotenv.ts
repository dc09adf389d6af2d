/**
 * Reading one value from a dotenv file (`NAME=value` lines), the format
 * Docker Compose, direnv and most deployment tools share: `#` comments and
 * blank lines are skipped, `export ` is allowed before a name, a value may
 * be single-quoted (taken as written) or double-quoted (`\n`, `\"` and `\\`
 * escapes), and an unquoted value ends at ` #`.
 */

/** The value of `name` in dotenv `text`, or undefined when no line sets it (the last line wins, as in a shell). */
export function dotenvValue(text: string, name: string): string | undefined {
  let found: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (match && match[1] === name) found = unquote(match[2]);
  }
  return found;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\([n"\\])/g, (_match, escaped: string) => (escaped === 'n' ? '\n' : escaped));
  }
  return value.replace(/\s+#.*$/, '');
}
