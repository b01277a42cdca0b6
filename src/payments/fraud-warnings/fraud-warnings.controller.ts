import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../../auth/auth.decorators';
import { ApiErrorResponse } from '../../common/error-response.dto';
import { ApiPageResponse, Page } from '../../common/pagination';
import { Role } from '../../users/user-role';
import { FraudWarningDto, FraudWarningParams, FraudWarningsQuery, ReleasedFraudWarningDto } from './fraud-warning.dto';
import { FraudWarningsService } from './fraud-warnings.service';

@ApiTags('admin')
@Controller('admin/fraud-warnings')
export class FraudWarningsController {
  constructor(private readonly warnings: FraudWarningsService) {}

  @Get()
  @Auth(Role.Admin)
  @ApiOperation({
    summary: "Stripe's early fraud warnings, newest purchase first",
    description:
      'An active warning holds its purchase: its unspent points cannot be spent (409 POINTS_FROZEN) and its moderator\'s ' +
      'money for it stays out of payout runs, until the purchase is refunded or disputed, or an admin releases it.',
  })
  @ApiPageResponse(FraudWarningDto)
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: bad status, limit or cursor' })
  list(@Query() query: FraudWarningsQuery): Promise<Page<FraudWarningDto>> {
    return this.warnings.list(query);
  }

  @Post(':id/release')
  @Auth(Role.Admin)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Release a purchase an early fraud warning holds: the payment is genuine',
    description: "Its unspent points can be spent again and its moderator's money goes back into the next payout run.",
  })
  @ApiOkResponse({ type: ReleasedFraudWarningDto })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'FRAUD_WARNING_NOT_FOUND' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'FRAUD_WARNING_NOT_ACTIVE: released already, or ended by a refund or a dispute' })
  release(@Param() params: FraudWarningParams): Promise<ReleasedFraudWarningDto> {
    return this.warnings.release(params.id);
  }
}
