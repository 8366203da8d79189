import { installLiveCheck, installPromotion } from '../shared/gate/gateApp';

// Not a function of its own: plugs the quarantine gate into the app's seams at load time, so every
// push into live/ that registryEventIntake receives is checked against the promotion ledger, and
// every scan verdict reaches auto-promotion.
installLiveCheck();
installPromotion();
