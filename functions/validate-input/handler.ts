import { clients } from '../kit/clients';
import { taskHandler } from '../kit/handler-kit';
import { validateInputEvent } from './schema';
import { validateInput } from './validate-input';

const json = (name: string) => (process.env[name] ? JSON.parse(process.env[name] as string) : undefined);

export const handler = taskHandler('ValidateInput', validateInputEvent, (event) =>
  validateInput(event, {
    defaults: json('CUTOVER_DEFAULTS'),
    managedFunctions: json('CUTOVER_MANAGED_FUNCTIONS'),
    managedEndpoints: json('CUTOVER_MANAGED_ENDPOINTS'),
    managedStages: json('CUTOVER_MANAGED_STAGES'),
    region: process.env.AWS_REGION,
    accountId: process.env.CUTOVER_ACCOUNT_ID,
    cloudwatch: clients.cloudwatch(),
    allowUnwatched: process.env.CUTOVER_ALLOW_UNWATCHED === 'true',
  }),
);
