// The keys CLI: lists the key ring, rotates a purpose, re-seals stored secrets under the current keys, retires a
// superseded key. Prints key ids, states and counts, never key material.
// Run: npm run keys -- list | rotate <purpose> [--now] | reseal <purpose> | retire <kid> [--force]

import { loadConfig } from '../src/config';
import { connectDatabase } from '../src/persistence/database';
import { KeyRingError } from '../src/security/key-errors';
import type { KeyInfo } from '../src/security/key-ring';
import { reseal, retirementBlocker } from '../src/security/key-admin';
import { openKeyRing } from '../src/security/open-key-ring';
import { KEY_PURPOSES, SYMMETRIC_PURPOSES, isKeyPurpose } from '../src/security/purpose-keys';
import type { SymmetricPurpose } from '../src/security/purpose-keys';

const USAGE = `usage: npm run keys -- <command>
  list                      every key: id, purpose, algorithm, state, dates, whether the JWKS publishes it
  rotate <purpose> [--now]  adds a new key; it takes over after SETTLEFLOW_KEY_ACTIVATION_DELAY_MS (--now: at once,
                            after a compromise)
  reseal <purpose>          re-seals stored values of a symmetric purpose under its current key
  retire <kid> [--force]    retires a superseded key (refused while stored data still needs it, unless --force)
purposes: ${KEY_PURPOSES.join(', ')}`;

function table(keys: KeyInfo[]): void {
  const date = (at: Date | undefined) => (at ? at.toISOString().replace(/\.\d{3}Z$/, 'Z') : '');
  console.table(
    keys.map((key) => ({
      kid: key.kid,
      purpose: key.purpose,
      alg: key.alg,
      state: key.state,
      created: date(key.createdAt),
      activates: date(key.activatesAt),
      superseded: date(key.deactivatedAt),
      retired: date(key.retiredAt),
      jwks: key.published ? 'yes' : '',
    })),
  );
}

async function main(argv: string[]): Promise<number> {
  const [command, argument] = argv.filter((arg) => !arg.startsWith('--'));
  const flags = new Set(argv.filter((arg) => arg.startsWith('--')));
  if (!command || command === 'help' || flags.has('--help')) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const db = await connectDatabase(config.mongodbUri, config.mongodb.options);
  try {
    const ring = await openKeyRing(config, db, 'admin', { refresh: false });
    switch (command) {
      case 'list':
        table(ring.list());
        return 0;
      case 'rotate': {
        if (!argument || !isKeyPurpose(argument)) throw new Error(`rotate needs a purpose: ${KEY_PURPOSES.join(', ')}`);
        const key = await ring.rotate(argument, { activateNow: flags.has('--now') });
        console.log(
          `added ${key.kid} (${key.purpose}, ${key.alg}); every process loads it within ` +
            `${config.keys.refreshMs / 1000} s and it takes over at ${key.activatesAt.toISOString()}`,
        );
        table(ring.list().filter((entry) => entry.purpose === key.purpose));
        return 0;
      }
      case 'reseal': {
        if (!argument || !(SYMMETRIC_PURPOSES as readonly string[]).includes(argument)) {
          throw new Error(`reseal needs a symmetric purpose: ${SYMMETRIC_PURPOSES.join(', ')}`);
        }
        const count = await reseal(ring, db.connection, argument as SymmetricPurpose, (field, done, total) => {
          console.log(`  ${field}: ${done}/${total}`);
        });
        console.log(`re-sealed ${count} value(s) of ${argument} under its current key`);
        return 0;
      }
      case 'retire': {
        const key = ring.list().find((entry) => entry.kid === argument);
        if (!argument || !key)
          throw new Error(`retire needs the id of a key (npm run keys -- list): ${argument ?? ''}`);
        if (key.state === 'retiring' && !flags.has('--force')) {
          const blocker = await retirementBlocker(db.connection, key, {
            idempotencyTtlMs: config.idempotency.ttlHours * 3_600_000,
            now: new Date(),
          });
          if (blocker) throw new Error(`not retired: ${blocker}`);
        }
        const retired = await ring.retire(argument);
        console.log(
          `retired ${retired.kid} (${retired.purpose}); every process drops it within ${config.keys.refreshMs / 1000} s`,
        );
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = error instanceof KeyRingError ? ` [${error.code}]` : '';
    console.error(`keys: ${error instanceof Error ? error.message : String(error)}${code}`);
    process.exit(1);
  },
);
