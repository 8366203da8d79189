import { app } from '@azure/functions';
import { appSettings, resetApp } from '../shared/app/runtime';

// Settings are parsed once, at start-up: a missing or malformed setting fails the start with a
// message naming it instead of failing the first invocation.
app.hook.appStart(() => {
    appSettings();
});

app.hook.appTerminate(() => {
    resetApp();
});
