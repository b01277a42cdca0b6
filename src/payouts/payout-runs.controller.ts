import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Auth, CurrentUser } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth-user';
import { ApiErrorResponse } from '../common/error-response.dto';
import { ApiPageResponse, Page, PageQuery } from '../common/pagination';
import { mergeVary } from '../common/vary';
import { Role } from '../users/user-role';
import { CreatePayoutRunDto, IdParams, PayoutDto, PayoutRunDto, RunFileQuery, AdminStatementParams, StatementQuery } from './dto/payouts.dto';
import { StatementDto } from './dto/statement.dto';
import { PayoutRunsService } from './payout-runs.service';
import { statementLanguage } from './statements/statement-language';
import { StatementsService } from './statements/statements.service';

/** The statement's three formats, for the OpenAPI document. */
export const STATEMENT_CONTENT = {
  'application/json': { schema: { $ref: getSchemaPath(StatementDto) } },
  'text/csv': { schema: { type: 'string' } },
  'application/pdf': { schema: { type: 'string', format: 'binary' } },
};

@ApiTags('admin')
@ApiExtraModels(StatementDto)
@Controller('admin')
export class PayoutRunsController {
  constructor(
    private readonly runs: PayoutRunsService,
    private readonly statements: StatementsService,
  ) {}

  @Post('payout-runs')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: 'Make the payout run of `until`: one pending payout per moderator and currency whose available money reached PAYOUT_MINIMUM_CENTS',
    description:
      'Available money at `until`: what matured by then (EARNINGS_MATURITY_DAYS), less what early fraud warnings hold, less ' +
      'every payout already paid or still pending (never more than the same figure now). Moderators without payout details ' +
      'are listed in `skipped`, not paid. The same `until` again answers the same run (200); two admins at once make one run.',
  })
  @ApiCreatedResponse({ type: PayoutRunDto, description: 'A new run' })
  @ApiOkResponse({ type: PayoutRunDto, description: 'The run this `until` already made' })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED, MALFORMED_JSON, or UNTIL_IN_FUTURE' })
  async create(@CurrentUser() admin: AuthUser, @Body() body: CreatePayoutRunDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<PayoutRunDto> {
    const { run, created } = await this.runs.create(body.until, admin.id);
    reply.status(created ? 201 : 200);
    return run;
  }

  @Get('payout-runs')
  @Auth(Role.Admin)
  @ApiOperation({ summary: 'Payout runs, newest first, with their payouts' })
  @ApiPageResponse(PayoutRunDto)
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: bad limit or cursor' })
  list(@Query() page: PageQuery): Promise<Page<PayoutRunDto>> {
    return this.runs.list(page);
  }

  @Get('payout-runs/:id')
  @Auth(Role.Admin)
  @ApiOperation({ summary: 'One payout run, its payouts as they stand now' })
  @ApiOkResponse({ type: PayoutRunDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PAYOUT_RUN_NOT_FOUND' })
  get(@Param() params: IdParams): Promise<PayoutRunDto> {
    return this.runs.get(params.id);
  }

  @Get('payout-runs/:id/file')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: "A payout run's file for the bank",
    description:
      'csv: every payout of the run (RFC 4180: payout_id, run_id, moderator_id, name, iban, amount, currency, status). sepa: a SEPA ' +
      'credit transfer initiation (ISO 20022 pain.001.001.03, valid against its XSD) of the run’s EUR payouts not cancelled, from ' +
      'the account PAYOUT_DEBTOR_NAME / PAYOUT_DEBTOR_IBAN / PAYOUT_DEBTOR_BIC.',
  })
  @ApiOkResponse({ content: { 'text/csv': { schema: { type: 'string' } }, 'application/xml': { schema: { type: 'string' } } } })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: format must be csv or sepa' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PAYOUT_RUN_NOT_FOUND' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'SEPA_NOT_CONFIGURED, or NO_EUR_PAYOUTS' })
  async file(@Param() params: IdParams, @Query() query: RunFileQuery): Promise<StreamableFile> {
    const file = await this.runs.file(params.id, query.format);
    return new StreamableFile(Buffer.from(file.body, 'utf8'), { type: file.contentType, disposition: `attachment; filename="${file.filename}"` });
  }

  @Post('payouts/:id/paid')
  @Auth(Role.Admin)
  @HttpCode(200)
  @ApiOperation({ summary: 'The bank made the transfer: the pending payout becomes paid (its money moves from available to paid)' })
  @ApiOkResponse({ type: PayoutDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PAYOUT_NOT_FOUND' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'PAYOUT_NOT_PENDING: paid or cancelled already' })
  markPaid(@CurrentUser() admin: AuthUser, @Param() params: IdParams): Promise<PayoutDto> {
    return this.runs.markPaid(params.id, admin.id);
  }

  @Post('payouts/:id/cancel')
  @Auth(Role.Admin)
  @HttpCode(200)
  @ApiOperation({ summary: 'The transfer will not be made: the pending payout is cancelled and its money is available again' })
  @ApiOkResponse({ type: PayoutDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PAYOUT_NOT_FOUND' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'PAYOUT_NOT_PENDING: paid or cancelled already' })
  cancel(@CurrentUser() admin: AuthUser, @Param() params: IdParams): Promise<PayoutDto> {
    return this.runs.cancel(params.id, admin.id);
  }

  @Get('moderators/:id/statements/:month')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: "A moderator's statement of a UTC month, as JSON (default), CSV or PDF, in English or French",
    description: 'The same statement the moderator reads at GET /moderators/me/statements/{month}.',
  })
  @ApiOkResponse({ content: STATEMENT_CONTENT })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED, or MONTH_IN_FUTURE' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'MODERATOR_NOT_FOUND' })
  statement(
    @Param() params: AdminStatementParams,
    @Query() query: StatementQuery,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StatementDto | StreamableFile> {
    reply.header('Vary', mergeVary(String(reply.getHeader('vary') ?? ''), 'Accept-Language'));
    return this.statements.render(params.id, params.month, statementLanguage(query.lang, acceptLanguage), query.format ?? 'json');
  }
}
