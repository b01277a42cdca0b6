import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsOptional, Matches } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { NOTIFICATION_TYPES, NOTIFICATIONS, NotificationPayload, NotificationType } from '../notification-events';

export class NotificationDto {
  @ApiProperty({ type: String,
    example: '1042',
    description: 'Increasing and unique; the websocket message of this notification carries the same id',
  })
  id: string;

  @ApiProperty({ enum: NOTIFICATION_TYPES, example: 'points.purchased', description: 'Also the name of the websocket event' })
  type: NotificationType;

  @ApiProperty({
    description: 'The payload of the websocket event of the same type (without `id`); its schema depends on `type`',
    oneOf: NOTIFICATION_TYPES.map((type) => NOTIFICATIONS[type].schema),
  })
  payload: NotificationPayload;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'null while unread' })
  readAt: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class NotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ type: Boolean, description: 'true: only unread notifications' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;
}

export class MarkReadRequestDto {
  @ApiProperty({
    type: [String],
    example: ['1041', '1042'],
    minItems: 1,
    maxItems: 100,
    description: "Ids of the caller's notifications; ids of other users' notifications, unknown or already read ones are ignored",
  })
  @Matches(/^[1-9]\d{0,17}$/, { each: true, message: 'ids must contain notification ids (digit strings)' })
  @ArrayMaxSize(100, { message: 'ids may hold at most 100 ids' })
  @ArrayMinSize(1, { message: 'ids must hold at least one id' })
  @IsArray({ message: 'ids must be an array of notification ids' })
  ids: string[];
}

export class MarkReadResponseDto {
  @ApiProperty({ type: 'integer', example: 2, description: 'How many of the given notifications this call marked read' })
  updated: number;
}
