import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentUser } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth-user';
import { ApiErrorResponse } from '../common/error-response.dto';
import { PageQuery } from '../common/pagination';
import { Role } from '../users/user-role';
import { ModeratorPointsDto } from './dto/moderator-points.dto';
import { ModeratorsService } from './moderators.service';

@ApiTags('moderators')
@Controller('moderators')
export class ModeratorsController {
  constructor(private readonly moderators: ModeratorsService) {}

  @Get('me/points')
  @Auth(Role.Moderator)
  @ApiOperation({
    summary: "The caller's earnings: balance, pending and available points, and the ledger history",
    description:
      'An earning stays `pending` for `maturityDays` (EARNINGS_MATURITY_DAYS, the refund/dispute risk window), then becomes ' +
      '`available`. A refund or dispute takes from pending first, oldest pending earning first, then from available, which ' +
      'may go negative. `history` lists every transfer to or from the moderator account, newest first; `limit` and ' +
      '`cursor` page through it (balance, pending and available are the same on every page).',
  })
  @ApiOkResponse({ type: ModeratorPointsDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: bad limit or cursor' })
  points(@CurrentUser() moderator: AuthUser, @Query() page: PageQuery): Promise<ModeratorPointsDto> {
    return this.moderators.points(moderator, page);
  }
}
