// The API description served at GET /openapi.json and kept in the repo as docs/openapi.json
// (a test checks that the two agree and that every route is described).
import { MAX_BODY_BYTES, MAX_CPU_SHARE } from './api-schemas.js';

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const ref = (n: string) => ({ $ref: `#/components/schemas/${n}` });
const err = (description: string) => ({ description, ...json(ref('Error')) });
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' } };
const vmResponse = (status: string, description: string) => ({ [status]: { description, ...json(ref('Vm')) } });
const common = { '400': err('invalid request (bad field, unknown field, bad JSON, bad path)'), '404': err('no such VM') };

function action(summary: string): unknown {
  return {
    post: {
      summary,
      parameters: [name],
      responses: { ...vmResponse('200', 'the VM after the action'), ...common, '409': err('the VM is not in a state that allows this') },
    },
  };
}

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Ringmaster hypervisor API',
      version: '1',
      description:
        'HTTP/JSON over the daemon\'s Unix socket (mode 0600), or TCP with `Authorization: Bearer TOKEN`. ' +
        `Bodies are JSON, at most ${MAX_BODY_BYTES} bytes; unknown fields are refused. Errors are {code, message}. ` +
        'File paths are on the daemon host: absolute, normalised, regular files.',
    },
    paths: {
      '/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3 document' } } } },
      '/info': { get: { summary: 'daemon limits and use', responses: { '200': { description: 'limits', ...json(ref('Info')) } } } },
      '/vms': {
        get: { summary: 'list VMs', responses: { '200': { description: 'all VMs', ...json({ type: 'object', properties: { vms: { type: 'array', items: ref('Vm') } } }) } } },
        post: {
          summary: 'create and start a VM',
          requestBody: { required: true, ...json(ref('CreateVm')) },
          responses: {
            ...vmResponse('201', 'the running VM'),
            '400': err('invalid request or the VM failed to start'),
            '409': err('name taken, quota (--max-memory, --max-vms) exceeded, or a disk image in use by another VM (image_in_use)'),
            '413': err('body too large'),
          },
        },
      },
      '/vms/restore': {
        post: {
          summary: 'create a VM from a snapshot file and continue it',
          requestBody: { required: true, ...json(ref('Restore')) },
          responses: { ...vmResponse('201', 'the restored, running VM'), ...common, '409': err('name taken, quota exceeded, or a disk image in use by another VM (image_in_use)'), '422': err('corrupt or foreign snapshot') },
        },
      },
      '/vms/{name}': {
        get: { summary: 'inspect a VM', parameters: [name], responses: { ...vmResponse('200', 'the VM'), ...common } },
        delete: {
          summary: 'remove a stopped VM (force=true kills it first)',
          parameters: [name, { name: 'force', in: 'query', schema: { type: 'string', enum: ['true', 'false', '1', '0'] } }],
          responses: { '200': { description: 'removed' }, ...common, '409': err('the VM is still live') },
        },
      },
      '/vms/{name}/pause': action('pause a running VM (between instruction slices)'),
      '/vms/{name}/resume': action('resume a paused VM'),
      '/vms/{name}/stop': {
        post: {
          summary: 'graceful stop: ACPI power button, then stopped at a slice boundary after `timeout` seconds (default 10; 0 = at once)',
          parameters: [name],
          requestBody: { required: false, ...json({ type: 'object', additionalProperties: false, properties: { timeout: { type: 'number', minimum: 0, maximum: 600 } } }) },
          responses: { ...vmResponse('200', 'the stopped VM'), ...common, '409': err('the VM is not live') },
        },
      },
      '/vms/{name}/kill': action('terminate the VM worker at once'),
      '/vms/{name}/snapshot': {
        post: {
          summary: 'write the complete machine state to a file (atomically); progress on /events',
          parameters: [name],
          requestBody: { required: true, ...json({ type: 'object', additionalProperties: false, required: ['path'], properties: { path: { type: 'string' } } }) },
          responses: {
            '200': { description: 'written', ...json({ type: 'object', properties: { path: { type: 'string' }, bytes: { type: 'integer' }, ms: { type: 'integer' }, instructions: { type: 'integer' } } }) },
            ...common,
            '409': err('the VM is not running or paused'),
          },
        },
      },
      '/vms/{name}/logs': {
        get: {
          summary: 'serial output kept so far (bounded ring buffer); follow=true keeps streaming',
          parameters: [name, { name: 'follow', in: 'query', schema: { type: 'string', enum: ['true', 'false', '1', '0'] } }],
          responses: { '200': { description: 'raw bytes', content: { 'application/octet-stream': {} } }, ...common },
        },
      },
      '/vms/{name}/console': {
        get: {
          summary: 'bidirectional serial console: send `Connection: Upgrade` and `Upgrade: ringmaster-console`; after 101 the socket carries raw COM1 bytes both ways',
          parameters: [name],
          responses: { '101': { description: 'switched to the raw console stream' }, ...common, '409': err('the VM is not live') },
        },
      },
      '/events': {
        get: {
          summary: 'event stream, one JSON object per line (created, state, reset, progress, removed)',
          parameters: [{ name: 'vm', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'chunked JSON lines', content: { 'application/x-ndjson': { schema: ref('Event') } } } },
        },
      },
    },
    components: {
      schemas: {
        Error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
        CreateVm: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'config'],
          properties: {
            name: { type: 'string' },
            cpuShare: { type: 'integer', minimum: 1, maximum: MAX_CPU_SHARE, default: 1 },
            config: {
              type: 'object',
              description: 'the options of `ringmaster run` as JSON (src/machine/config.ts): memory, bios, kernel, initrd, append, deterministic, tripleFault, timeout, ...',
              additionalProperties: false,
              properties: {
                memory: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
                bios: { type: 'string' },
                vgabios: { type: 'string' },
                kernel: { type: 'string' },
                initrd: { type: 'string' },
                append: { type: 'string' },
                disk: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
                cdrom: { type: 'string' },
                boot: { type: 'string' },
                serial: { type: 'string', enum: ['stdio', 'none'] },
                display: { type: 'string', enum: ['none'] },
                debugcon: { type: 'string', enum: ['none'] },
                post: { type: 'string', enum: ['none'] },
                timeout: { oneOf: [{ type: 'string' }, { type: 'number' }] },
                deterministic: { type: 'boolean' },
                tripleFault: { type: 'string', enum: ['reset', 'stop'] },
              },
            },
          },
        },
        Restore: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'name'],
          properties: { path: { type: 'string' }, name: { type: 'string' }, cpuShare: { type: 'integer', minimum: 1, maximum: MAX_CPU_SHARE } },
        },
        Vm: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            state: { type: 'string', enum: ['starting', 'running', 'paused', 'stopped', 'crashed'] },
            reason: { type: 'string', nullable: true },
            memoryBytes: { type: 'integer' },
            cpuShare: { type: 'integer' },
            cpuPercent: { type: 'number' },
            cpuMs: { type: 'integer' },
            instructions: { type: 'integer' },
            resets: { type: 'integer' },
            uptimeSeconds: { type: 'number' },
            serialBytes: { type: 'integer' },
            createdAt: { type: 'string' },
            deterministic: { type: 'boolean' },
            restoredFrom: { type: 'string', nullable: true },
          },
        },
        Info: {
          type: 'object',
          properties: {
            version: { type: 'string' },
            vms: { type: 'integer' },
            maxVms: { type: 'integer' },
            memoryBytes: { type: 'integer' },
            maxMemoryBytes: { type: 'integer' },
            cpus: { type: 'number' },
          },
        },
        Event: {
          type: 'object',
          required: ['time', 'vm', 'type'],
          properties: {
            time: { type: 'string' },
            vm: { type: 'string' },
            type: { type: 'string', enum: ['created', 'state', 'reset', 'progress', 'removed'] },
            state: { type: 'string' },
            reason: { type: 'string', nullable: true },
            op: { type: 'string', enum: ['snapshot', 'restore'] },
            done: { type: 'integer' },
            total: { type: 'integer' },
          },
        },
      },
    },
  };
}
