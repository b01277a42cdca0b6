import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../auth/auth.decorators';
import { AsyncApiDocument, buildAsyncApiDocument } from './asyncapi.document';

@ApiTags('docs')
@Controller('docs')
export class AsyncApiController {
  @Get('asyncapi.json')
  @Public()
  @ApiOperation({
    summary: 'AsyncAPI 3.0 document of the websocket notifications',
    description:
      'The socket.io namespace `/notifications`: handshake, refusals, replay with `auth.lastNotificationId`, ' +
      'and every event with its payload schema. Open it in https://studio.asyncapi.com or generate a client from it.',
  })
  @ApiOkResponse({ description: 'An AsyncAPI 3.0.0 document (JSON)', schema: { type: 'object', properties: { asyncapi: { type: 'string', example: '3.0.0' } } } })
  document(@Req() request: Request): AsyncApiDocument {
    return buildAsyncApiDocument({ host: request.get('host') ?? 'localhost', secure: request.secure });
  }
}
