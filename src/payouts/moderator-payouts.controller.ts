import { Body, Controller, Get, Headers, Param, Put, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBadRequestResponse, ApiExtraModels, ApiGoneResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Auth, CurrentUser } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth-user';
import { ApiErrorResponse } from '../common/error-response.dto';
import { mergeVary } from '../common/vary';
import { Role } from '../users/user-role';
import { MyPayoutDetailsDto, PayoutDetailsDto, PayoutDetailsRequestDto, StatementParams, StatementQuery } from './dto/payouts.dto';
import { StatementDto } from './dto/statement.dto';
import { PayoutDetailsService } from './payout-details.service';
import { STATEMENT_CONTENT } from './payout-runs.controller';
import { statementLanguage } from './statements/statement-language';
import { StatementsService } from './statements/statements.service';

@ApiTags('moderators')
@ApiExtraModels(StatementDto)
@Controller('moderators/me')
export class ModeratorPayoutsController {
  constructor(
    private readonly details: PayoutDetailsService,
    private readonly statements: StatementsService,
  ) {}

  @Put('payout-details')
  @Auth(Role.Moderator)
  @ApiOperation({
    summary: "The caller's bank account for payouts",
    description: 'The IBAN is checked (its country length, mod 97). A change alerts the admins and applies from the next payout run.',
  })
  @ApiOkResponse({ type: PayoutDetailsDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED, MALFORMED_JSON, or INVALID_IBAN' })
  @ApiGoneResponse({ type: ApiErrorResponse, description: 'USER_ERASED' })
  setDetails(@CurrentUser() moderator: AuthUser, @Body() body: PayoutDetailsRequestDto): Promise<PayoutDetailsDto> {
    return this.details.set(moderator.id, body, 'moderator');
  }

  @Get('payout-details')
  @Auth(Role.Moderator)
  @ApiOperation({ summary: "The caller's bank account for payouts, the IBAN shown by its last four characters" })
  @ApiOkResponse({ type: MyPayoutDetailsDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'never for this route; listed for the error shape' })
  async getDetails(@CurrentUser() moderator: AuthUser): Promise<MyPayoutDetailsDto> {
    return { details: await this.details.get(moderator.id) };
  }

  @Get('statements/:month')
  @Auth(Role.Moderator)
  @ApiOperation({
    summary: "The caller's statement of a UTC month, as JSON (default), CSV or PDF, in English or French",
    description:
      'Opening balance, every earning, reversal (refund or dispute), restore and payout of the month with its profile and purchase, ' +
      'the debt a reversal after a payout leaves, closing balance; in points and money. Language: `lang`, else Accept-Language.',
  })
  @ApiOkResponse({ content: STATEMENT_CONTENT })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED, or MONTH_IN_FUTURE' })
  statement(
    @CurrentUser() moderator: AuthUser,
    @Param() params: StatementParams,
    @Query() query: StatementQuery,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StatementDto | StreamableFile> {
    reply.header('Vary', mergeVary(String(reply.getHeader('vary') ?? ''), 'Accept-Language'));
    return this.statements.render(moderator.id, params.month, statementLanguage(query.lang, acceptLanguage), query.format ?? 'json');
  }
}
