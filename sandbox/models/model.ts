/**
 * AWS's published API models (botocore's data, trimmed to the operations
 * Cutover calls by scripts/extract-aws-models.ts; see README.md here for the
 * source, version and licence), loaded once per service on first use.
 */
import type { ServiceName } from '../faults';

/** The services the sandbox emulates that have a model file here. */
export type ModelledService = ServiceName | 'eventbridge' | 'sns';

export interface MemberRef {
  shape: string;
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  locationName?: string;
  jsonName?: string;
  queryName?: string;
  flattened?: boolean;
  idempotencyToken?: boolean;
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob';
  required?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  members?: Record<string, MemberRef>;
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  flattened?: boolean;
  payload?: string;
  streaming?: boolean;
  exception?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
}

export interface ModelOperation {
  http?: { method: string; requestUri: string; responseCode?: number };
  input?: string;
  errors: string[];
  usedBy: string[];
}

export interface ServiceModel {
  source: { debianPackage: string; debianVersion: string; botocoreVersion: string; licence: string; notice: string; file: string };
  metadata: { apiVersion: string; protocol: string; jsonVersion?: string; targetPrefix?: string; serviceId: string; signingName?: string; endpointPrefix: string; xmlNamespace?: string };
  /** The operations Cutover calls, with their input shapes. */
  operations: Record<string, ModelOperation>;
  /**
   * REST services only: every other operation's binding (`METHOD requestUri`) and its required
   * header / querystring members (`header:x-amz-copy-source`): named, not validated.
   */
  routes?: Record<string, { http: string; requires?: string[] }>;
  shapes: Record<string, Shape>;
}

const cache = new Map<ModelledService, ServiceModel>();

export function loadModel(service: ModelledService): ServiceModel {
  let model = cache.get(service);
  if (!model) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    model = require(`./${service}.json`) as ServiceModel;
    cache.set(service, model);
  }
  return model;
}
