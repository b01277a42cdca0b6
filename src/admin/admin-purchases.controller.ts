import { Readable } from 'node:stream';
import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/auth.decorators';
import { ApiErrorResponse } from '../common/error-response.dto';
import { ApiPageResponse, Page, PageQuery } from '../common/pagination';
import { Role } from '../users/user-role';
import { AdminTransactionDto, TransactionFilterQuery, TransactionSearchQuery } from './dto/admin-transactions.dto';
import { CSV_MAX_ROWS, AdminPurchasesService } from './admin-purchases.service';

@ApiTags('admin')
@Controller('admin')
export class AdminPurchasesController {
  constructor(private readonly search: AdminPurchasesService) {}

  @Get('transactions')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: 'Search purchases, newest first',
    description: 'Every filter is optional and they combine; `from` (inclusive) and `to` (exclusive) bound `created_at`.',
  })
  @ApiPageResponse(AdminTransactionDto)
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED or INVALID_RANGE' })
  list(@Query() query: TransactionSearchQuery): Promise<Page<AdminTransactionDto>> {
    return this.search.search(query);
  }

  @Get('transactions.csv')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: 'The same search as CSV',
    description:
      `RFC 4180 (header row, CRLF, quoted when needed), newest first, streamed; at most ${CSV_MAX_ROWS} rows: ` +
      'to export more, set `to` to the `created_at` of the last row and ask again. `amount` is a decimal string ' +
      '(minor units in the decimals Stripe counts for the currency: `9.99` EUR, `500` JPY, `1.234` KWD, `500.00` HUF).',
  })
  @ApiOkResponse({ description: 'text/csv; columns: id, created_at, status, client_id, profile_id, moderator_id, pack, points, refunded_points, disputed_points, amount, currency, failure_reason, credited_at, stripe_session_id', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED or INVALID_RANGE' })
  exportCsv(@Query() query: TransactionFilterQuery): StreamableFile {
    return new StreamableFile(Readable.from(this.search.csv(query)), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="transactions.csv"',
    });
  }

  @Get('transactions/stuck')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: 'Purchases that need a look, newest first',
    description: 'Pending for longer than RECONCILE_AFTER_SECONDS (the reconciliation job has not settled them), and failed ones with their failure_reason.',
  })
  @ApiPageResponse(AdminTransactionDto)
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: bad limit or cursor' })
  stuck(@Query() page: PageQuery): Promise<Page<AdminTransactionDto>> {
    return this.search.stuck(page);
  }
}
