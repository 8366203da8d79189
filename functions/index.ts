import { app } from '@azure/functions';
import { appSettings, resetApp } from '../shared/app/runtime';
import { installLiveCheck, installPromotion } from '../shared/gate/gateApp';
import { patchVerificationObserver } from '../shared/patching/patchingApp';
import { registerNewVulnerabilityObserver } from '../shared/rescan/rescanApp';
import { useVerdictObserver } from '../shared/scan/scanApp';

// Settings are parsed once, at start-up: a missing or malformed setting fails the start with a
// message naming it instead of failing the first invocation.
app.hook.appStart(() => {
    appSettings();
});

app.hook.appTerminate(() => {
    resetApp();
});

// The app's composition: who acts on what the intake and the scan pipeline produce. Kept here,
// in one place, rather than as side effects of the function modules.
// - Every push into live/ that registryEventIntake receives is checked against the promotion ledger.
installLiveCheck();
// - Every scan verdict reaches, in this order: auto-promotion of passed quarantine images,
installPromotion();
// - the closed patching loop (a patched image must pass and have fewer fixable vulnerabilities),
useVerdictObserver(patchVerificationObserver);
// - and the rescan diff (newly found blocking vulnerabilities become one alert).
registerNewVulnerabilityObserver();
