import { normalizeAddress, type Profile } from '#domain/profiles.ts';
import type { ProfileInput, ProfileRepository } from '#ports/index.ts';
import { clone } from './support.ts';

export class FakeProfiles implements ProfileRepository {
  readonly items = new Map<string, Profile>();
  /** One profile per distinct id (repeats merged in order, a later field winning), in order of first appearance. */
  async upsertMany(profiles: Array<ProfileInput & { id: string }>, now: Date) {
    const merged = new Map<string, ProfileInput & { id: string }>();
    for (const input of profiles) {
      const current = merged.get(input.id) ?? { id: input.id };
      for (const [k, v] of Object.entries(input)) if (v !== undefined) Object.assign(current, { [k]: v });
      merged.set(input.id, current);
    }
    return [...merged.values()].map((input) => {
      const current: Profile = this.items.get(input.id) ?? {
        id: input.id,
        optOut: false,
        updatedAt: now.toISOString(),
      };
      const next: Record<string, unknown> = { ...current, updatedAt: now.toISOString() };
      for (const [k, v] of Object.entries(input)) {
        if (v === null) delete next[k];
        else if (v !== undefined) next[k] = v;
      }
      // Opted out: since now, unless it already was. Opted back in: the last opt-out no longer describes it.
      if (input.optOut === true) next.optOutAt ??= now.toISOString();
      if (input.optOut === false) {
        delete next.optOutAt;
        delete next.optOutSource;
      }
      this.items.set(input.id, next as unknown as Profile);
      return clone(next as unknown as Profile);
    });
  }
  async idsByEmail(address: string) {
    const wanted = normalizeAddress(address);
    return [...this.items.values()]
      .filter((p) => p.email !== undefined && normalizeAddress(p.email) === wanted)
      .map((p) => p.id);
  }
  async get(id: string) {
    const p = this.items.get(id);
    return p ? clone(p) : null;
  }
  async getMany(ids: readonly string[]) {
    return [...new Set(ids)].flatMap((id) => (this.items.has(id) ? [clone(this.items.get(id)!)] : []));
  }
  async optOut(profileId: string, source: { deliveryId: string; sesMessageId: string }, at: string) {
    const p = this.items.get(profileId);
    if (!p || p.optOut) return false;
    p.optOut = true;
    p.optOutAt = at;
    p.optOutSource = { deliveryId: source.deliveryId, sesMessageId: source.sesMessageId };
    p.updatedAt = at;
    return true;
  }
}
