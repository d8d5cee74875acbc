import { z } from 'zod';
import { ConfigSchema } from './schema';

/** JSON Schema of the configuration file, for editors and IT tooling (`"$schema"` in the file). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}

/** Every field path of the configuration, dotted (e.g. `terminal.idleLockSeconds`). */
export function configFieldPaths(): string[] {
  const paths: string[] = [];
  const walk = (schema: Record<string, unknown>, prefix: string): void => {
    const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
    if (!props) return;
    for (const [key, child] of Object.entries(props)) {
      if (key === '$schema') continue;
      const p = prefix ? `${prefix}.${key}` : key;
      paths.push(p);
      walk(child, p);
    }
  };
  walk(configJsonSchema(), '');
  return paths;
}
