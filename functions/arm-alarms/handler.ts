import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { taskHandler } from '../kit/handler-kit';
import { stateWithGreenSchema } from '../../core/release-state';
import { routerFor } from '../../targets';
import { armAlarms } from './arm-alarms';

export const handler = taskHandler('ArmAlarms', stateWithGreenSchema, (state) =>
  armAlarms(state, {
    ledger: ledgerFromEnv(),
    router: routerFor(state.release.spec.target, clients),
    cloudwatch: clients.cloudwatch(),
    alarmPrefix: process.env.CUTOVER_ALARM_PREFIX ?? 'cutover-',
    now: systemClock,
  }),
);
