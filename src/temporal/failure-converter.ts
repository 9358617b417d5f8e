// The failure converter of settleflow's workers and clients, loaded by path (`failureConverterPath`) into the workflow
// sandbox and the worker: failure messages and stack traces go into an encoded attributes payload, which the payload
// codec (codec.ts) encrypts, so no failure text reaches Temporal's history in clear.
// Runs inside the workflow sandbox: imports @temporalio/common only, nothing with I/O or Node built-ins.

import { DefaultFailureConverter } from '@temporalio/common';

/** The converter the SDK loads from this module (its `failureConverter` export). */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

/** A marker the workers look for in a prebuilt bundle, to refuse one built without this converter. */
export const FAILURE_CONVERTER_MARKER = 'settleflow-encoded-failures-v1';
