import { createQueueClient } from '../storage/connection';
import { poisonQueueOf } from '../storage/names';
import { QueueMessageParking } from '../storage/parkedMessages';
import { perApp } from './runtime';

/** The app's parking of messages that can never succeed, in `<queue>-poison`, with the reason. */
export const messageParking = perApp((settings) => new QueueMessageParking((queue) => createQueueClient(settings.storage, poisonQueueOf(queue))));
