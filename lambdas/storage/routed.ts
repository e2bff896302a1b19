// One Storage made of several: keys below a route's prefix go to that route's store (same key), all others to the
// default store. Lets the core's `.work/...` intermediates live where a lifecycle rule expires them, apart from the
// published artifacts, without the core knowing.
import { checkKey, type ObjectInfo, type Storage } from '../ground/storage.ts';

export interface Route {
  /** a folder-like key prefix without trailing '/', e.g. '.work' */
  prefix: string;
  store: Storage;
}

export class RoutedStorage implements Storage {
  constructor(
    readonly fallback: Storage,
    readonly routes: Route[],
  ) {}

  get description(): string {
    return this.fallback.description;
  }

  private storeFor(key: string): Storage {
    const k = checkKey(key).replace(/\/+$/, '');
    return this.routes.find((r) => k === r.prefix || k.startsWith(`${r.prefix}/`))?.store ?? this.fallback;
  }

  async get(key: string): Promise<Buffer> {
    return this.storeFor(key).get(key);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    return this.storeFor(key).put(key, body);
  }

  async putFile(key: string, localPath: string): Promise<void> {
    return this.storeFor(key).putFile(key, localPath);
  }

  async getFile(key: string, localPath: string): Promise<void> {
    return this.storeFor(key).getFile(key, localPath);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return this.storeFor(key).head(key);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    if (prefix.replace(/\/+$/, '') !== '') return this.storeFor(prefix).list(prefix);
    const all = await this.fallback.list('');
    const routed = (k: string) => this.routes.some((r) => k.startsWith(`${r.prefix}/`));
    const out = all.filter((o) => !routed(o.key));
    for (const r of this.routes) out.push(...(await r.store.list(r.prefix)));
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async deletePrefix(prefix: string): Promise<void> {
    return this.storeFor(prefix).deletePrefix(prefix);
  }
}
