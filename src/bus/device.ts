// The contract every device keeps (DESIGN.md "Contracts").

/** A device's saved state: plain data and typed arrays, with a version number. */
export interface DeviceState {
  version: number;
  [field: string]: unknown;
}

export interface Device {
  /** Short, stable name used in snapshots and logs. */
  readonly name: string;
  /** Power-on / hardware reset state. */
  reset(): void;
  saveState(): DeviceState;
  /** Restores state saved by saveState(); throws StateVersionError on a foreign version. */
  loadState(state: DeviceState): void;
}

export class StateVersionError extends Error {
  constructor(device: string, got: unknown, want: number) {
    super(`${device}: saved state version ${String(got)} is not supported (expected ${want})`);
    this.name = 'StateVersionError';
  }
}

export function checkVersion(device: string, state: DeviceState, want: number): void {
  if (!state || state.version !== want) throw new StateVersionError(device, state?.version, want);
}
