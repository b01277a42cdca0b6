import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentUser } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth-user';
import { ApiErrorResponse } from '../common/error-response.dto';
import { ApiPageResponse, Page } from '../common/pagination';
import { MarkReadRequestDto, MarkReadResponseDto, NotificationDto, NotificationsQuery } from './dto/notification.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Auth()
  @ApiOperation({
    summary: "The caller's notifications, newest first",
    description:
      'The same notifications the websocket namespace `/notifications` pushes, with the same ids (see `/docs/asyncapi.json`). ' +
      '`unread=true` lists only the unread ones.',
  })
  @ApiPageResponse(NotificationDto)
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: bad limit, cursor or unread' })
  list(@CurrentUser() user: AuthUser, @Query() query: NotificationsQuery): Promise<Page<NotificationDto>> {
    return this.notifications.list(user, query);
  }

  @Post('read')
  @HttpCode(HttpStatus.OK)
  @Auth()
  @ApiOperation({
    summary: "Marks some of the caller's notifications read",
    description:
      "Idempotent. Ids that are not the caller's notifications (another user's, unknown) or are already read are ignored " +
      'rather than refused, so that nothing can be learnt about other users; `updated` counts what this call marked.',
  })
  @ApiOkResponse({ type: MarkReadResponseDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED: ids missing, empty, over 100 or not digit strings' })
  markRead(@CurrentUser() user: AuthUser, @Body() body: MarkReadRequestDto): Promise<MarkReadResponseDto> {
    return this.notifications.markRead(user, body.ids);
  }
}
