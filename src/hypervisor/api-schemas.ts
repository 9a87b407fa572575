// Request schemas of the HTTP API (zod, strict: unknown fields are refused). The machine
// configuration itself is validated by machine/config.ts parseConfig, as for `ringmaster run`.
import { z } from 'zod';
import type { MachineConfig } from '../machine/config.js';

export const MAX_BODY_BYTES = 64 * 1024;
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const MAX_CPU_SHARE = 1000;

export const vmName = z
  .string({ invalid_type_error: 'name must be a string' })
  .regex(NAME_RE, 'a VM name is 1-63 characters: letters, digits, _ . - (starting with a letter or digit)');

const cpuShare = z
  .number({ invalid_type_error: 'cpuShare must be a number' })
  .int('cpuShare must be a whole number')
  .min(1, 'cpuShare is at least 1')
  .max(MAX_CPU_SHARE, `cpuShare is at most ${MAX_CPU_SHARE}`);

const filePath = z.string({ invalid_type_error: 'path must be a string' }).min(1, 'path is empty').max(4096);

export const createBody = z
  .object({
    name: vmName,
    cpuShare: cpuShare.optional(),
    config: z.record(z.unknown(), { invalid_type_error: 'config must be an object of machine options' }),
  })
  .strict();

export const snapshotBody = z.object({ path: filePath }).strict();
export const restoreBody = z.object({ path: filePath, name: vmName, cpuShare: cpuShare.optional() }).strict();
export const emptyBody = z.object({}).strict();
export const stopBody = z
  .object({ timeout: z.number({ invalid_type_error: 'timeout must be a number of seconds' }).min(0).max(600).optional() })
  .strict();
export const faultBody = z.object({ kind: z.enum(['throw', 'hang', 'exit']) }).strict();

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
export const logsQuery = z.object({ follow: flag.optional() }).strict();
export const removeQuery = z.object({ force: flag.optional() }).strict();
export const eventsQuery = z.object({ vm: vmName.optional() }).strict();
export const noQuery = z.object({}).strict();

/** A validated MachineConfig back to the input form parseConfig accepts (snapshot headers are re-validated). */
export function configToInput(c: Record<string, unknown>): Record<string, unknown> {
  const m = c as Partial<MachineConfig>;
  const out: Record<string, unknown> = {
    memory: m.memoryBytes,
    deterministic: m.deterministic,
    tripleFault: m.tripleFault,
    serial: 'none',
  };
  if (m.kernel) out.kernel = m.kernel;
  if (m.initrd) out.initrd = m.initrd;
  if (m.kernel && m.append !== undefined) out.append = m.append;
  if (m.disks && m.disks.length) out.disk = m.disks;
  if (m.cdrom) out.cdrom = m.cdrom;
  if (m.boot && m.boot.length) out.boot = m.boot;
  if (m.bios) out.bios = m.bios;
  if (m.vgabios) out.vgabios = m.vgabios;
  if (m.timeoutSeconds !== null && m.timeoutSeconds !== undefined) out.timeout = m.timeoutSeconds;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}
