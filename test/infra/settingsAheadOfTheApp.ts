/**
 * Settings the infrastructure already provides for app features being built in parallel; the app's
 * settings catalog does not read them yet. Each must leave this list as soon as the catalog declares
 * it (the test below fails until it does). Empty: the app reads every setting the Bicep sets
 * (issue 11's dead-letter replay and Entra token validation learned theirs).
 */
export const SETTINGS_AHEAD_OF_THE_APP: Record<string, string> = {};
