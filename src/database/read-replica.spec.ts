import { HttpStatus } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { moduleError } from '../common/app-error';
import { isReplicaFailure } from './read-replica';

/** A module's error, as a service throws it when the rows it read say no. */
class NotFoundError extends moduleError<'NOT_FOUND'>({ NOT_FOUND: HttpStatus.NOT_FOUND }) {
  static make(): NotFoundError {
    return new NotFoundError('NOT_FOUND', 'no such row');
  }
}

/** A statement's failure as TypeORM reports it: the driver's error, with its SQLSTATE, inside. */
function statementFailed(code: string, message = 'failed'): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));
}

describe(isReplicaFailure.name, () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' })],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a server shutting down', statementFailed('57P01', 'terminating connection due to administrator command')],
    ['a read cancelled by replay', statementFailed('40001', 'canceling statement due to conflict with recovery')],
    ['a table a migration added that the replica has not replayed', statementFailed('42P01', 'relation "point_grants" does not exist')],
    ['a column not replayed yet', statementFailed('42703', 'column t.disputed_points does not exist')],
  ])('reads again on the primary after %s', (_, error) => {
    expect(isReplicaFailure(error)).toBe(true);
  });

  it.each([
    ['a write that reached the replica', statementFailed('25006', 'cannot execute INSERT in a read-only transaction')],
    ['a bad statement', statementFailed('42601', 'syntax error at or near "SELEC"')],
    ['a unique violation', statementFailed('23505', 'duplicate key value violates unique constraint')],
    ['a domain error', NotFoundError.make()],
  ])('throws %s as it is', (_, error) => {
    expect(isReplicaFailure(error)).toBe(false);
  });
});
