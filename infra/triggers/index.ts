export { ModelArtifactTrigger, type ModelArtifactMapping, type ModelArtifactTriggerProps } from './model-artifact-trigger';
export { ModelPackageApprovedTrigger, type ModelPackageApprovedTriggerProps } from './model-package-approved-trigger';
export { StartReleaseFunction, type StartReleaseFunctionProps } from './start-release-function';
