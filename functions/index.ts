import { app } from '@azure/functions';
import { startServices, stopServices } from './services';

// The app's composition (shared/app/createServices.ts) is built once, at start-up: settings, the
// gate policy, host.json and the patching file are read and checked here, so a bad one fails the
// start with a message naming it instead of failing the first invocation. The services themselves
// are built on first use.
app.hook.appStart(async () => {
    await startServices();
});

app.hook.appTerminate(() => {
    stopServices();
});
