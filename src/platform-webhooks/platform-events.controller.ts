import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/auth.decorators';
import { ApiErrorResponse } from '../common/error-response.dto';
import { ApiPageResponse, Page } from '../common/pagination';
import { Role } from '../users/user-role';
import { PlatformEventDto, PlatformEventQuery } from './dto/platform-event.dto';
import { PlatformEventsService } from './platform-events.service';

@ApiTags('admin')
@Controller('admin/platform-events')
export class PlatformEventsController {
  constructor(private readonly events: PlatformEventsService) {}

  @Get()
  @Auth(Role.Admin)
  @ApiOperation({
    summary: 'Events sent to the platform, newest first, with their tries',
    description:
      'The Standard Webhooks events POSTed to PLATFORM_WEBHOOK_URL. A pending event is tried again 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each failed try, then failed.',
  })
  @ApiPageResponse(PlatformEventDto)
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: bad status, limit or cursor' })
  list(@Query() query: PlatformEventQuery): Promise<Page<PlatformEventDto>> {
    return this.events.list(query);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @Auth(Role.Admin)
  @ApiOperation({
    summary: 'Send one event to the platform again, now',
    description:
      'Whatever its state, with the same webhook-id and a fresh signature; answers once the try is over (at most 10 s). A failed try starts the retry schedule over.',
  })
  @ApiOkResponse({ type: PlatformEventDto, description: 'The event with this try among its tries' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PLATFORM_EVENT_NOT_FOUND' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'PLATFORM_EVENT_IN_FLIGHT (a try of it is under way) or PLATFORM_WEBHOOK_NOT_CONFIGURED' })
  retry(@Param('id') id: string): Promise<PlatformEventDto> {
    return this.events.retry(id);
  }
}
