/** The parts of an ACR ARM resource id (/subscriptions/S/resourceGroups/G/providers/Microsoft.ContainerRegistry/registries/N). */
export interface RegistryResourceId {
    readonly id: string;
    readonly subscriptionId: string;
    readonly resourceGroup: string;
    readonly registryName: string;
}

const pattern = /^\/subscriptions\/([0-9A-Za-z-]+)\/resourceGroups\/([-\w._()]+)\/providers\/Microsoft\.ContainerRegistry\/registries\/([A-Za-z0-9]{5,50})$/i;

export function parseRegistryResourceId(id: string): RegistryResourceId {
    const m = pattern.exec(id);
    if (!m) throw new TypeError(`not an ACR resource id: ${JSON.stringify(id.slice(0, 200))}`);
    return { id, subscriptionId: m[1]!, resourceGroup: m[2]!, registryName: m[3]! };
}
