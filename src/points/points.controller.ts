import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentUser } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth-user';
import { ApiErrorResponse } from '../common/error-response.dto';
import { Role } from '../users/user.entity';
import { ProfilePointsDto } from './dto/profile-points.dto';
import { PointsService } from './points.service';

@ApiTags('points')
@Controller()
export class PointsController {
  constructor(private readonly points: PointsService) {}

  @Get('profile/:profile/points')
  @Auth(Role.Client)
  @ApiOperation({ summary: "A profile's points page: packs for sale, Stripe publishable key, the caller's balance" })
  @ApiOkResponse({ type: ProfilePointsDto })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PROFILE_NOT_FOUND' })
  profilePoints(@CurrentUser() caller: AuthUser, @Param('profile') profileId: string): Promise<ProfilePointsDto> {
    return this.points.profilePoints(caller, profileId);
  }
}
