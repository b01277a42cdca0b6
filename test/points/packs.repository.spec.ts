import { randomUUID } from 'node:crypto';
import { PacksRepository } from '../../src/points/packs.repository';
import { useOwnerDatabase } from '../support/owner-database';
import { failureOf, gate, Sql, stillPendingAfter } from './interactions';

describe(PacksRepository.name, () => {
  const owner = useOwnerDatabase();
  let sut: PacksRepository;

  beforeAll(() => {
    sut = new PacksRepository(owner.transactions);
  });

  const newCode = () => `t${randomUUID().slice(0, 12)}`;

  async function insertPack(db: Sql, pack: { points: number; sortOrder: number; active?: boolean; amountCents?: number }): Promise<string> {
    const code = newCode();
    await db.query(`INSERT INTO point_packs (code, points, amount_cents, currency, active, sort_order) VALUES ($1, $2, $3, 'eur', $4, $5)`, [
      code,
      pack.points,
      pack.amountCents ?? 500,
      pack.active ?? true,
      pack.sortOrder,
    ]);
    return code;
  }

  async function packRow(db: Sql, code: string) {
    const [row] = await db.query<Array<{ points: string; amount_cents: string; active: boolean; sort_order: number; updated_at: Date }>>(
      `SELECT points, amount_cents, active, sort_order, updated_at FROM point_packs WHERE code = $1`,
      [code],
    );
    return row;
  }

  describe('listActive and listAll', () => {
    it('answer the catalogue by sort order, then points, then id; listActive leaves inactive packs out', () =>
      owner.rolledBack(async (db) => {
        const big = await insertPack(db, { points: 200, sortOrder: 900 });
        const small = await insertPack(db, { points: 100, sortOrder: 900 });
        const hidden = await insertPack(db, { points: 500, sortOrder: 800, active: false });
        const first = await insertPack(db, { points: 900, sortOrder: 700 });
        const twin = await insertPack(db, { points: 100, sortOrder: 900, active: false });
        const mine = new Set([big, small, hidden, first, twin]);

        const active = (await sut.listActive()).filter((pack) => mine.has(pack.code));
        const all = (await sut.listAll()).filter((pack) => mine.has(pack.code));

        expect(active.map((pack) => pack.code)).toEqual([first, small, big]);
        expect(all.map((pack) => pack.code)).toEqual([first, hidden, small, twin, big]);
      }));
  });

  describe('findActive', () => {
    it('answers the active pack of a code, with numbers for its amounts; null for an inactive or unknown code', () =>
      owner.rolledBack(async (db) => {
        const code = await insertPack(db, { points: 250, amountCents: 650, sortOrder: 5 });
        const inactive = await insertPack(db, { points: 250, sortOrder: 5, active: false });

        expect(await sut.findActive(code)).toMatchObject({ code, points: 250, amountCents: 650, currency: 'eur', active: true, sortOrder: 5 });
        expect(await sut.findActive(inactive)).toBeNull();
        expect(await sut.findActive(newCode())).toBeNull();
      }));
  });

  describe('insertLast', () => {
    it('adds an active pack after the last one of the catalogue, inactive packs included, and answers it', () =>
      owner.rolledBack(async (db) => {
        const [{ max: before }] = await db.query<Array<{ max: number }>>(`SELECT max(sort_order) AS max FROM point_packs`);
        await insertPack(db, { points: 10, sortOrder: before + 10, active: false });
        const code = newCode();

        const pack = await sut.insertLast({ code, points: 300, amountCents: 799, currency: 'usd' });

        expect(pack).toMatchObject({ code, points: 300, amountCents: 799, currency: 'usd', active: true, sortOrder: before + 11 });
        expect(await packRow(db, code)).toMatchObject({ points: '300', amount_cents: '799', active: true, sort_order: before + 11 });
      }));

    it('answers null and writes nothing when the code is taken (uq_point_packs_code)', () =>
      owner.rolledBack(async (db) => {
        const code = await insertPack(db, { points: 100, amountCents: 299, sortOrder: 3 });

        expect(await sut.insertLast({ code, points: 999, amountCents: 1999, currency: 'eur' })).toBeNull();

        expect(await packRow(db, code)).toMatchObject({ points: '100', amount_cents: '299', sort_order: 3 });
        const [{ count }] = await db.query<Array<{ count: number }>>(`SELECT count(*)::int AS count FROM point_packs WHERE code = $1`, [code]);
        expect(count).toBe(1);
      }));

    it('skips only a taken code: any other violation fails (ck_point_packs_currency)', () =>
      owner.rolledBack(async (db) => {
        const code = newCode();
        expect(await failureOf(db, () => sut.insertLast({ code, points: 100, amountCents: 299, currency: 'EUR' }))).toMatchObject({ constraint: 'ck_point_packs_currency' });
        expect(await packRow(db, code)).toBeUndefined();
      }));
  });

  describe('lockByCode and save', () => {
    it('answers null for an unknown code', () =>
      owner.rolledBack(async () => {
        expect(await sut.lockByCode(newCode())).toBeNull();
      }));

    it('saves the changes of a pack and moves its updated_at', () =>
      owner.rolledBack(async (db) => {
        const code = await insertPack(db, { points: 100, amountCents: 299, sortOrder: 3 });
        await db.query(`UPDATE point_packs SET updated_at = now() - interval '1 hour' WHERE code = $1`, [code]);
        const before = await packRow(db, code);

        const pack = (await sut.lockByCode(code))!;
        pack.points = 120;
        pack.active = false;
        await sut.save(pack);

        const after = await packRow(db, code);
        expect(after).toMatchObject({ points: '120', amount_cents: '299', active: false });
        expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
      }));

    // Commits a pack of its own (inactive, so no catalogue shows it) and deletes it afterwards.
    it("holds the pack's row until the transaction ends: a second change waits, then starts from the first one's result", async () => {
      const code = await insertPack(owner.db, { points: 100, sortOrder: 3, active: false });
      try {
        const open = gate();
        const first = owner.transactions.run(async () => {
          const pack = (await sut.lockByCode(code))!;
          open.arrive();
          await open.finished;
          pack.points += 10;
          return sut.save(pack);
        });
        await open.reached;

        const second = owner.transactions.run(async () => {
          const pack = (await sut.lockByCode(code))!;
          pack.points += 5;
          return sut.save(pack);
        });
        expect(await stillPendingAfter(second, 300)).toBe(true);
        open.finish();

        expect((await first).points).toBe(110);
        expect((await second).points).toBe(115);
        expect((await packRow(owner.db, code)).points).toBe('115');
      } finally {
        await owner.db.query(`DELETE FROM point_packs WHERE code = $1`, [code]);
      }
    });
  });
});
