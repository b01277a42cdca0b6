import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/auth.decorators';
import { ApiErrorResponse } from '../common/error-response.dto';
import { Role } from '../users/user-role';
import { DateRangeQuery } from './dto/admin-transactions.dto';
import { PlatformSummaryDto } from './dto/summary.dto';
import { SummaryService } from './summary.service';

@ApiTags('admin')
@Controller('admin')
export class AdminSummaryController {
  constructor(private readonly summaries: SummaryService) {}

  @Get('summary')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: 'Platform figures for a range',
    description:
      'Points sold, refunded points and revenue per currency of the purchases credited in [from, to); net points per ' +
      'moderator from the ledger transfers made in the range; transactions created in the range by status.',
  })
  @ApiOkResponse({ type: PlatformSummaryDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED or INVALID_RANGE' })
  summary(@Query() query: DateRangeQuery): Promise<PlatformSummaryDto> {
    return this.summaries.summary(query);
  }
}
