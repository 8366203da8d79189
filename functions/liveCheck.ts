import { installLiveCheck } from '../shared/gate/gateApp';

// Not a function of its own: installs the quarantine gate's live check into the intake seam, so
// every push into live/ that registryEventIntake receives is checked against the promotion ledger.
installLiveCheck();
