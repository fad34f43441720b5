import { clients } from '../shared/clients';
import { ledgerFromEnv, systemClock } from '../shared/deps';
import { taskHandler } from '../shared/handler-kit';
import { stateWithGreenSchema } from '../shared/release-state';
import { routerFor } from '../shared/routers';
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
