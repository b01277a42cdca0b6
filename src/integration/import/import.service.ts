import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { batchOrEach } from '../../common/batch-or-each';
import { IMPORT_BODY_LIMIT_BYTES, NDJSON_TYPE } from '../../common/body-limits';
import { TransactionRunner } from '../../database/transaction';
import { AssignmentService } from '../../interactions/assignment.service';
import { PlatformProfile, ProfilesService } from '../../profiles/profiles.service';
import { PlatformUser, PlatformUserWrite, UsersService } from '../../users/users.service';
import { ImportResultDto } from '../dto/import-result.dto';
import { IntegrationError } from '../integration.errors';
import { parseImportLine } from './import-line';
import { BodyTooLarge, NdjsonLine, ndjsonLines } from './ndjson-lines';

/** Lines applied together: one transaction for their users, one for their profiles. */
export const IMPORT_BATCH_LINES = 1000;
/** A line of the import may hold this much (a user's or a profile's fields take a few hundred bytes). */
export const IMPORT_LINE_LIMIT_BYTES = 64 * 1024;
/** How many refused lines the answer lists (`refusedCount` says how many in all). */
export const IMPORT_REFUSALS_LISTED = 1000;

interface Numbered<T> {
  line: number;
  item: T;
}

/** What an import did so far. */
class Tally {
  created = 0;
  updated = 0;
  refusedCount = 0;
  readonly refused: Array<{ line: number; error: string }> = [];

  refuse(line: number, error: string): void {
    this.refusedCount++;
    if (this.refused.length < IMPORT_REFUSALS_LISTED) this.refused.push({ line, error });
  }

  count(created: boolean): void {
    if (created) this.created++;
    else this.updated++;
  }

  get summary(): string {
    return `${this.created} created, ${this.updated} updated, ${this.refusedCount} refused`;
  }

  result(): ImportResultDto {
    // Batches end in order of their kinds (users, then profiles): the answer lists lines in order.
    return { created: this.created, updated: this.updated, refused: [...this.refused].sort((a, b) => a.line - b.line), refusedCount: this.refusedCount };
  }
}

/** The lines read since the last write; a second line for an id already here closes the batch first. */
class Batch {
  readonly users = new Map<string, Numbered<PlatformUser>>();
  readonly profiles = new Map<string, Numbered<PlatformProfile>>();

  get size(): number {
    return this.users.size + this.profiles.size;
  }
}

/**
 * POST /integration/import (SPEC §10): the platform's first sync, NDJSON, one user or profile a line,
 * read as a stream and applied in batches of IMPORT_BATCH_LINES: the users of a batch in one
 * statement, its profiles in another (each in a transaction of its own, users first, so that a
 * profile finds a moderator of the same batch). A refused line is named by its number and the others
 * are applied; a batch that fails as a whole (an e-mail another user has) is applied line by line to
 * name the culprit. The reader waits for each write before reading on, so memory stays flat however
 * large the body. Every line is idempotent: the same import twice leaves the same state.
 */
@Injectable()
export class ImportService {
  private readonly logger = new Logger(ImportService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly users: UsersService,
    private readonly profiles: ProfilesService,
    private readonly assignments: AssignmentService,
  ) {}

  /**
   * `busy` runs each write of a batch: the caller stops the body's idle timer there (nothing is read
   * meanwhile, so no byte can arrive however eager the client is).
   */
  async import(
    body: AsyncIterable<Buffer | string>,
    headers: { 'content-type'?: string; 'content-encoding'?: string },
    busy: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
  ): Promise<ImportResultDto> {
    const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== NDJSON_TYPE) throw IntegrationError.ndjsonRequired(type);
    const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== '') throw IntegrationError.ndjsonRequired(`${type} with Content-Encoding: ${encoding.slice(0, 40)}`);

    const tally = new Tally();
    let batch = new Batch();
    const lines = ndjsonLines(body, { maxBytes: IMPORT_BODY_LIMIT_BYTES, maxLineBytes: IMPORT_LINE_LIMIT_BYTES })[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<NdjsonLine>;
      try {
        next = await lines.next();
      } catch (error) {
        // The body ended early (too large, cut by the idle timeout, the client gone): the whole lines
        // received so far are applied, then the import answers why it stopped.
        await busy(() => this.apply(batch, tally));
        this.logger.warn(`import stopped after ${tally.summary}: ${(error as Error).message}`);
        if (error instanceof BodyTooLarge) throw IntegrationError.tooLarge(error.maxBytes, tally.summary);
        throw error;
      }
      if (next.done) break;
      const read = next.value;
      if ('error' in read) {
        tally.refuse(read.line, read.error);
        continue;
      }
      if (read.text.trim() === '') continue;
      const parsed = parseImportLine(read.text);
      if ('error' in parsed) {
        tally.refuse(read.line, parsed.error);
        continue;
      }
      const id = parsed.type === 'user' ? parsed.user.id : parsed.profile.id;
      const held = parsed.type === 'user' ? batch.users : batch.profiles;
      if (held.has(id) || batch.size >= IMPORT_BATCH_LINES) {
        const full = batch;
        await busy(() => this.apply(full, tally));
        batch = new Batch();
      }
      if (parsed.type === 'user') batch.users.set(id, { line: read.line, item: parsed.user });
      else batch.profiles.set(id, { line: read.line, item: parsed.profile });
    }
    const last = batch;
    await busy(() => this.apply(last, tally));
    this.logger.log(`import: ${tally.summary}`);
    return tally.result();
  }

  private async apply(batch: Batch, tally: Tally): Promise<void> {
    await this.applyUsers([...batch.users.values()], tally);
    await this.applyProfiles([...batch.profiles.values()], tally);
  }

  private async applyUsers(lines: Array<Numbered<PlatformUser>>, tally: Tally): Promise<void> {
    if (lines.length === 0) return;
    const write = (items: Array<Numbered<PlatformUser>>) => this.transactions.run(() => this.users.upsertFromPlatform(items.map((line) => line.item)));
    const results = await batchOrEach(lines, write, async (line) => (await write([line]))[0], {
      sequential: true,
      onBatchError: (error, size) => {
        // Only a refusal of one line's data (an e-mail another user has) is worth trying line by line.
        if (!isRefusal(error)) throw error;
        this.logger.warn(`import: ${size} users written one by one to find the lines refused (${error.message})`);
      },
    });
    results.forEach((result, index) => this.record(lines[index].line, result, tally, (written: PlatformUserWrite) => {
      if (written.outcome === 'erased') return 'USER_ERASED: this user was erased; an erased user cannot be created or changed again';
      tally.count(written.outcome === 'created');
      return null;
    }));
  }

  private async applyProfiles(lines: Array<Numbered<PlatformProfile>>, tally: Tally): Promise<void> {
    if (lines.length === 0) return;
    const wanted = [...new Set(lines.map((line) => line.item.moderatorId).filter((id): id is string => id !== null))];
    const moderators = await this.users.currentModerators(wanted);
    const valid = lines.filter((line) => {
      const moderatorId = line.item.moderatorId;
      if (moderatorId === null || moderators.has(moderatorId)) return true;
      tally.refuse(line.line, `NOT_A_MODERATOR: user ${moderatorId} does not exist or is not a moderator`);
      return false;
    });
    if (valid.length === 0) return;
    const write = (items: Array<Numbered<PlatformProfile>>) => this.transactions.run(() => this.profiles.upsertFromPlatform(items.map((line) => line.item)));
    const results = await batchOrEach(valid, write, async (line) => (await write([line]))[0], {
      sequential: true,
      onBatchError: (error) => {
        if (!isRefusal(error)) throw error;
      },
    });
    for (const [index, result] of results.entries()) {
      const line = valid[index];
      if (result.status === 'fulfilled' && !result.value.created && result.value.moderatorId !== line.item.moderatorId) {
        // A new moderator for an existing profile: an assignment, exactly as PUT /profiles/:profile/moderator.
        const assigned = await this.assignments.assignProfile(line.item.id, line.item.moderatorId).then(
          () => ({ status: 'fulfilled' as const, value: result.value }),
          (reason: unknown) => ({ status: 'rejected' as const, reason }),
        );
        this.record(line.line, assigned, tally, () => {
          tally.count(false);
          return null;
        });
        continue;
      }
      this.record(line.line, result, tally, (written) => {
        tally.count(written.created);
        return null;
      });
    }
  }

  /** Counts a line's outcome: `onWritten` answers a refusal for a written-but-refused line (or null). */
  private record<T>(line: number, result: PromiseSettledResult<T>, tally: Tally, onWritten: (value: T) => string | null): void {
    if (result.status === 'fulfilled') {
      const refusal = onWritten(result.value);
      if (refusal) tally.refuse(line, refusal);
      return;
    }
    // The service's own failures (the database down) end the import: what was applied stays, a retry re-sends all.
    if (!isRefusal(result.reason)) throw result.reason;
    tally.refuse(line, `${result.reason.code}: ${result.reason.message}`);
  }
}

/** A refusal of what a line asks (4xx), as opposed to the service failing. */
function isRefusal(error: unknown): error is AppError {
  return error instanceof AppError && Number(error.status) < 500;
}
