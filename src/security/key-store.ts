// Where the key ring keeps its keys: the `keys` collection, shared by every process (API, worker, gateway worker,
// the keys CLI) on MongoDB 7 and FerretDB alike. Each record holds one key wrapped under the key-encryption key,
// never in clear. Records are inserted once under `<purpose>#<generation>`, so of two rotations racing for the same
// purpose only one wins (a unique `_id` insert, the one race FerretDB decides reliably); the only update retires a
// key and erases its material.

import type { Connection } from 'mongoose';
import type { KeyPurpose } from './purpose-keys';

/** The name of the collection holding the keys. */
export const KEYS_COLLECTION = 'keys';

/** The algorithms keys are made for. */
export type KeyAlgorithm = 'A256GCM' | 'ES256' | 'RSA-OAEP-256';

/** A public key as published in the JWKS (no private member ever). */
export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** One stored key. */
export interface StoredKey {
  /** `<purpose>#<generation>`: one key per generation of a purpose. */
  _id: string;
  /** The key id carried by what the key seals, signs or encrypts. */
  kid: string;
  /** Its purpose; `legacy` for the imported SETTLEFLOW_VAULT_KEY. */
  purpose: KeyPurpose | 'legacy';
  /** 1 for a purpose's first key, one more for each rotation (0 for the legacy key). */
  generation: number;
  alg: KeyAlgorithm;
  createdAt: Date;
  /** From when it seals and signs (a rotated key waits until every process has loaded it). */
  activatesAt: Date;
  /** When it was retired: from then on it opens nothing and its material is erased. */
  retiredAt?: Date | undefined;
  /** The id of the key-encryption key `material` is wrapped under. */
  kekId: string;
  /** The secret (32 bytes) or private key (PKCS#8 DER), wrapped under the KEK; absent once retired. */
  material?: string | undefined;
  /** The public half of an asymmetric key, as a JWK. */
  publicJwk?: PublicJwk | undefined;
}

/** Reads and writes stored keys. */
export interface KeyStore {
  /** Every stored key, retired ones included. */
  list(): Promise<StoredKey[]>;
  /** Inserts a key; false when its `_id` (purpose and generation) is taken. */
  insert(key: StoredKey): Promise<boolean>;
  /** Marks a key retired and erases its material; false when there is no such unretired key. */
  retire(id: string, at: Date): Promise<boolean>;
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** The key store on a database connection (the `keys` collection). */
export function databaseKeyStore(connection: Connection): KeyStore {
  const keys = () => connection.collection<StoredKey>(KEYS_COLLECTION);
  return {
    async list() {
      return keys().find({}).sort({ purpose: 1, generation: 1 }).toArray();
    },
    async insert(key) {
      try {
        await keys().insertOne(key);
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },
    async retire(id, at) {
      const result = await keys().updateOne(
        { _id: id, retiredAt: { $exists: false } },
        { $set: { retiredAt: at }, $unset: { material: '' } },
      );
      return result.modifiedCount === 1;
    },
  };
}

/** A key store in memory, for pure unit tests of the key ring. */
export function memoryKeyStore(): KeyStore & { records: Map<string, StoredKey> } {
  const records = new Map<string, StoredKey>();
  return {
    records,
    async list() {
      return [...records.values()].map((key) => structuredClone(key));
    },
    async insert(key) {
      if (records.has(key._id)) return false;
      records.set(key._id, structuredClone(key));
      return true;
    },
    async retire(id, at) {
      const key = records.get(id);
      if (!key || key.retiredAt) return false;
      records.set(id, { ...key, retiredAt: at, material: undefined });
      return true;
    },
  };
}
