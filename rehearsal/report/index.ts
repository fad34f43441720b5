export { renderReport, writeReport } from './render';
export type * from './types';
