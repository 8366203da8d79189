import type { LivePush, LivePushObserver } from '../../shared/intake/livePushObserver';

/** Keeps every live push it is shown, for assertions. */
export class RecordingLivePushObserver implements LivePushObserver {
    readonly pushes: LivePush[] = [];

    async livePushed(push: LivePush): Promise<void> {
        this.pushes.push(push);
    }
}
