/**
 * The demo FHIR server's journal (demo/web/journal.ts): every version it held, replayed into a new server after a
 * restart, gives back the same ids, version numbers and instants, so a workstation's `If-Match` and `_since`
 * still hold; a journal that would replay to other version numbers is refused, not half applied.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Patient } from 'fhir/r5';
import { afterAll, describe, expect, it } from 'vitest';
import { allVersions, keepJournal, readJournal, replay, replayClock, writeJournal } from '../../demo/web/journal.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { steppingClock } from '../../src/util/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'fhir-store-journal-'));
const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function server(clock = steppingClock('2026-12-01T10:00:00.000Z', 1000)): Promise<RunningServer> {
  const s = await startServer({ clock });
  servers.push(s);
  return s;
}

describe('demo server journal', () => {
  it('replays creates, updates, deletes and re-creates to the same versions and instants', async () => {
    const a = await server();
    await a.store.update<Patient>({ resourceType: 'Patient', id: 'p1', active: true });
    await a.store.update<Patient>({ resourceType: 'Patient', id: 'p1', active: false });
    await a.store.update<Patient>({ resourceType: 'Patient', id: 'p2', gender: 'female' });
    await a.store.delete('Patient', 'p1');
    await a.store.update<Patient>({ resourceType: 'Patient', id: 'p1', gender: 'male' });
    const versions = await allVersions(a.store);
    expect(versions.map((v) => `${v.id}/${v.versionId}${v.resource ? '' : ' deleted'}`)).toEqual(['p1/1', 'p1/2', 'p2/1', 'p1/3 deleted', 'p1/4']);

    const clock = replayClock(versions);
    const b = await server(clock.clock);
    await replay(b.store, clock, versions);
    expect(await allVersions(b.store)).toEqual(versions);
    // After the replay the clock is the system's again (made monotonic by the server): later than every replayed write.
    const next = await b.store.update<Patient>({ resourceType: 'Patient', id: 'p2', gender: 'other' });
    expect(next.meta?.versionId).toBe('2');
    expect(next.meta!.lastUpdated! > versions.at(-1)!.lastUpdated).toBe(true);
    // What a client pulls with `_since` is the same on both.
    const since = versions[1]!.lastUpdated;
    const ids = async (s: RunningServer) => ((await (await fetch(`${s.url}/Patient/_history?_since=${since}`)).json()) as Bundle).entry?.map((e) => e.response?.etag);
    expect((await ids(b))?.slice(1)).toEqual(await ids(a));
  });

  it('keeps resources created by POST (their id from the entry\'s location), not the server\'s subscription resources', async () => {
    const a = await server();
    const created = await a.store.handle({ method: 'POST', url: 'Patient', body: { resourceType: 'Patient', gender: 'female' } });
    const id = (created.body as Patient).id!;
    const subscription = await a.store.handle({ method: 'POST', url: 'Subscription', body: { resourceType: 'Subscription', status: 'requested', topic: 'https://github.com/fhir-offline-store/fhir-offline-store/SubscriptionTopic/resource-changes', channelType: { code: 'websocket' }, content: 'empty' } });
    expect(subscription.status).toBe(201);
    expect((await allVersions(a.store)).map((v) => `${v.type}/${v.id}/${v.versionId}`)).toEqual([`Patient/${id}/1`]);
  });

  it('refuses a journal whose versions would not replay to the same numbers', async () => {
    const gap = [{ type: 'Patient', id: 'p9', versionId: '2', lastUpdated: '2026-12-01T10:00:00.000Z', resource: { resourceType: 'Patient' as const, id: 'p9' } }];
    const clock = replayClock(gap);
    const c = await server(clock.clock);
    await expect(replay(c.store, clock, gap)).rejects.toThrow(/Patient\/p9 version 2/);
    expect(clock.at).toBeUndefined();
  });

  it('is written after changes and read back with the same server id; a foreign file is refused', async () => {
    const file = join(dir, 'state.json');
    const fresh = readJournal(file);
    expect(fresh.versions).toEqual([]);
    const d = await server();
    const writer = keepJournal(d.store, file, fresh.serverId, 10);
    await d.store.update<Patient>({ resourceType: 'Patient', id: 'p3' });
    await writer.close();
    const back = readJournal(file);
    expect(back.serverId).toBe(fresh.serverId);
    expect(back.versions.map((v) => v.id)).toEqual(['p3']);
    writeJournal(file, back);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(back);
    writeFileSync(file, '{"resourceType":"Bundle"}');
    expect(() => readJournal(file)).toThrow(/not a journal/);
  });
});
