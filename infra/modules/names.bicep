// Queue and table names, mirroring shared/storage/names.ts (`queues`, `tables`). Adding a queue or
// table to the app is one line here; test/infra/consistency.test.ts fails until it is added.
// Every queue also gets its `<name>-poison` queue (storage.bicep), where the Functions host parks a
// message after maxDequeueCount failures.

@export()
@description('Application queues (without their -poison twins).')
var queueNames = [
  'scan-requests'
  'patch-requests'
  'rescan-requests'
]

@export()
@description('Application tables.')
var tableNames = [
  'RegistryEvents'
  'Alerts'
  'ScanSummaries'
  'ScanFindings'
  'VulnerabilityIndex'
  'PatchRuns'
  'PatchCycles'
  // gate (shared/gate)
  'Promotions'
  'Locks'
  'GateCheckpoints'
  // continuous scanning (shared/rescan)
  'RescanRequests'
  'RescanRuns'
  // scan worker: one scan per digest (shared/scan/scanLeaseStore.ts)
  'ScanLeases'
]

@export()
@description('Blob container the Flex Consumption app is deployed from.')
var deploymentContainerName = 'app-package'

@export()
@description('Blob container Event Grid writes undeliverable registry events to.')
var deadLetterContainerName = 'eventgrid-deadletter'

@export()
@description('Name of the intake function the Event Grid subscription delivers to (functions/registryEventIntake.ts).')
var intakeFunctionName = 'registryEventIntake'
