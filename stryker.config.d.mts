/** Types of stryker.config.mjs for scripts/mutation.ts (Stryker reads only .mjs / .js / .json configuration files). */
export interface MutationGroup {
  readonly name: string;
  /** Globs of the mutated files, relative to the repository root (`*` stays within one folder). */
  readonly files: readonly string[];
  /** The group fails under this mutation score, in percent. */
  readonly break: number;
}
export declare const MUTATION_GROUPS: readonly MutationGroup[];
export declare const INCREMENTAL_FILE: string;
declare const config: Readonly<Record<string, unknown>>;
export default config;
