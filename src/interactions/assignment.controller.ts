import { Body, Controller, Param, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Auth } from '../auth/auth.decorators';
import { ApiErrorResponse } from '../common/error-response.dto';
import { Role } from '../users/user-role';
import { AssignmentService } from './assignment.service';
import { AssignModeratorDto, AssignmentResultDto } from './dto/assign-moderator.dto';

@ApiTags('admin')
@Controller()
export class AssignmentController {
  constructor(private readonly assignments: AssignmentService) {}

  @Put('profiles/:profile/moderator')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: "Set the profile's moderator for new interactions",
    description: 'Its interactions handled by nobody get this moderator too, with the points held for them. Interactions already handled keep their moderator.',
  })
  @ApiOkResponse({ type: AssignmentResultDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PROFILE_NOT_FOUND' })
  @ApiUnprocessableEntityResponse({ type: ApiErrorResponse, description: 'NOT_A_MODERATOR' })
  assignProfile(@Param('profile') profileId: string, @Body() body: AssignModeratorDto): Promise<AssignmentResultDto> {
    return this.assignments.assignProfile(profileId, body.moderator_id);
  }

  @Put('interactions/:interaction/moderator')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: 'Reassign one interaction',
    description: 'Points held for it go to the new moderator, once. Points already earned by a previous moderator stay theirs.',
  })
  @ApiOkResponse({ type: AssignmentResultDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'INTERACTION_NOT_FOUND' })
  @ApiUnprocessableEntityResponse({ type: ApiErrorResponse, description: 'NOT_A_MODERATOR' })
  assignInteraction(@Param('interaction') interactionId: string, @Body() body: AssignModeratorDto): Promise<AssignmentResultDto> {
    return this.assignments.assignInteraction(interactionId, body.moderator_id);
  }
}
