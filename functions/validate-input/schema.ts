import { z } from 'zod';

/** What the ValidateInput state passes: the raw execution input and the execution's identity. */
export const validateInputEvent = z.object({
  input: z.unknown(),
  execution: z.object({
    id: z.string().min(1),
    name: z.string().min(1).max(80),
    startTime: z.string().min(1),
  }),
});
export type ValidateInputEvent = z.output<typeof validateInputEvent>;
