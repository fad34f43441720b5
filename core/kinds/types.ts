import type { z } from 'zod';

/**
 * What the core knows about one kind of target: its input, its ledger key and
 * how a person names and reads it. The kind's router (how traffic moves) is in
 * targets/; its IAM in infra/.
 */
export interface TargetKindFacts<T extends { kind: string }> {
  readonly kind: T['kind'];
  /** The target's part of the release input. */
  readonly schema: z.ZodType<T, unknown>;
  /** The ledger key: one lock and one history per key. */
  key(target: T): string;
  /** What a key of this kind looks like (the CLI takes keys that `cutover history` prints). */
  readonly keyPattern: RegExp;
  /** The key's form, for a person: `sagemaker-endpoint:ENDPOINT`. */
  readonly keyForm: string;
  /** What each side of a release is: a Lambda `version`, a SageMaker production `variant`. */
  readonly side: 'version' | 'variant';
  /** The fields that name such a target, for an error message. */
  readonly needs: string;
  /** A short name for what is released, usable in an execution name: `ai-handler-production`. */
  label(target: T): string;
  /** How long green may take to be ready and how often it is checked, when it is not ready at once (a SageMaker endpoint update). */
  readiness?(target: T): { seconds: number; pollSeconds: number };
  /**
   * For a kind whose target carries the artifact itself (a SageMaker model's data URL): the field it goes
   * in, and how a trigger puts an artifact there. The other kinds take it as the input's `artifact`.
   */
  readonly artifactInTarget?: {
    field: string;
    place(target: Record<string, unknown>, artifact: { uri?: string; image?: string }): Record<string, unknown>;
  };
}
