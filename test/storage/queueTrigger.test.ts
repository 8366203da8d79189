import { describe, expect, it } from 'vitest';
import { dequeueCountOf, originalMessageTrigger, readQueueTriggerMessage } from '../../shared/storage/queueTrigger';

describe('queue trigger input', () => {
    it('asks the host for the message body as bytes', () => {
        expect(originalMessageTrigger).toEqual({ dataType: 'binary' });
    });

    it('reads the original text from the bytes exactly, and its JSON value as the library would', () => {
        const text = '{ "b" : 1, "a":"\\u00e9" }';
        expect(readQueueTriggerMessage(Buffer.from(text, 'utf8'))).toEqual({ text, value: { b: 1, a: 'é' }, exact: true });
        expect(readQueueTriggerMessage(Buffer.from('not json', 'utf8'))).toEqual({ text: 'not json', value: 'not json', exact: true });
    });

    it('says when it cannot have the original: bytes that are not UTF-8, or input the library already converted', () => {
        const notUtf8 = readQueueTriggerMessage(Buffer.from([0x7b, 0xff, 0x7d]));
        expect(notUtf8.exact).toBe(false);
        expect(notUtf8.text).toBe('{\ufffd}');
        expect(readQueueTriggerMessage({ b: 1, a: 'é' })).toEqual({ text: '{"b":1,"a":"é"}', value: { b: 1, a: 'é' }, exact: false });
        expect(readQueueTriggerMessage('abc')).toEqual({ text: 'abc', value: 'abc', exact: false });
    });

    it('reads the dequeue count from the camel-cased metadata, 1 when unreadable', () => {
        expect(dequeueCountOf({ triggerMetadata: { dequeueCount: 3 } })).toBe(3);
        expect(dequeueCountOf({ triggerMetadata: { dequeueCount: 'x' } })).toBe(1);
    });
});
