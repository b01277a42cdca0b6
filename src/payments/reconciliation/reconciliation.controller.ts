import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../../auth/auth.decorators';
import { ApiErrorResponse } from '../../common/error-response.dto';
import { ApiPageResponse, Page } from '../../common/pagination';
import { Role } from '../../users/user-role';
import { ReconciliationReportQueries } from './reconciliation-report.queries';
import { ReconcileRunDto, ReconciliationQuery, ReconciliationRowDto } from './reconciliation.dto';
import { ReconciliationService } from './reconciliation.service';

@ApiTags('admin')
@Controller('admin/reconciliation')
export class ReconciliationController {
  constructor(
    private readonly report: ReconciliationReportQueries,
    private readonly reconciliation: ReconciliationService,
  ) {}

  @Get()
  @Auth(Role.Admin)
  @ApiOperation({
    summary: 'Money versus points, per purchase',
    description: 'What Stripe reported as paid and refunded, what the client and the moderator were credited, and every disagreement.',
  })
  @ApiPageResponse(ReconciliationRowDto)
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED' })
  list(@Query() query: ReconciliationQuery): Promise<Page<ReconciliationRowDto>> {
    return this.report.report(query);
  }

  @Post('run')
  @Auth(Role.Admin)
  @HttpCode(200)
  @ApiOperation({ summary: 'Check every pending purchase with Stripe now and apply what Stripe says' })
  @ApiOkResponse({ type: ReconcileRunDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'never for this route; listed for the error shape' })
  run(): Promise<ReconcileRunDto> {
    return this.reconciliation.reconcilePending(0);
  }
}
