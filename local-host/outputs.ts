import { resolveSettingReference } from './env';
import type { RpcInvocationResponse, RpcTypedData } from './coreTypes';
import type { QueueOptions } from './hostJson';
import { encodeMessage, queueClientFor } from './queueMessages';
import type { RegisteredFunction } from './registry';

function typedDataToMessages(data: RpcTypedData): string[] {
    if (data.string !== undefined && data.string !== null) return [data.string];
    if (data.json !== undefined && data.json !== null) {
        const value: unknown = JSON.parse(data.json);
        // An array output means one message per element (samples storageQueueOutput2.ts).
        if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
        return [data.json];
    }
    if (data.bytes) return [Buffer.from(data.bytes).toString('utf8')];
    if (data.int !== undefined && data.int !== null) return [String(data.int)];
    if (data.double !== undefined && data.double !== null) return [String(data.double)];
    return [];
}

/** Writes the invocation's Storage queue outputs (`output.storageQueue`), as the host does after a successful run. */
export async function writeQueueOutputs(fn: RegisteredFunction, response: RpcInvocationResponse, options: QueueOptions): Promise<void> {
    const values: { name: string; data: RpcTypedData }[] = [];
    for (const item of response.outputData ?? []) {
        if (item.name && item.data) values.push({ name: item.name, data: item.data });
    }
    if (response.returnValue && fn.bindings.$return?.type === 'queue') values.push({ name: '$return', data: response.returnValue });
    for (const { name, data } of values) {
        const binding = fn.bindings[name];
        if (binding?.type !== 'queue') continue;
        const client = queueClientFor(String(binding.connection || 'AzureWebJobsStorage'), resolveSettingReference(String(binding.queueName), `Function "${fn.name}": the output queue name`));
        await client.createIfNotExists();
        for (const message of typedDataToMessages(data)) {
            await client.sendMessage(encodeMessage(message, options));
        }
    }
}
