import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest as Request } from 'fastify';
import { Public } from '../../auth/auth.decorators';
import { Env } from '../../config/env.schema';
import { REPLAY_LIMIT } from '../notifications.gateway';
import { SOCKET_JOIN_TIMEOUT_MS, SOCKET_MAX_MESSAGE_BYTES } from '../socket-io-adapter';
import { AsyncApiDocument, buildAsyncApiDocument } from './asyncapi.document';

@ApiTags('docs')
@Controller('docs')
export class AsyncApiController {
  constructor(private readonly env: Env) {}

  @Get('asyncapi.json')
  @Public()
  @ApiOperation({
    summary: 'AsyncAPI 3.0 document of the websocket notifications',
    description:
      'The socket.io namespace `/notifications`: handshake, refusals, replay with `auth.lastNotificationId`, ' +
      'and every event with its payload schema. Open it in https://studio.asyncapi.com or generate a client from it.',
  })
  @ApiOkResponse({
    description: 'An AsyncAPI 3.0.0 document (JSON); its own schema is the AsyncAPI specification',
    schema: {
      type: 'object',
      properties: {
        asyncapi: { type: 'string', enum: ['3.0.0'] },
        info: { type: 'object', additionalProperties: true },
        channels: { type: 'object', additionalProperties: true },
        operations: { type: 'object', additionalProperties: true },
      },
      required: ['asyncapi', 'info', 'channels', 'operations'],
      additionalProperties: true,
    },
  })
  @Header('Cache-Control', 'no-store')
  @Header('Vary', 'Host, X-Forwarded-Host, X-Forwarded-Proto')
  document(@Req() request: Request): AsyncApiDocument {
    // Behind a trusted proxy (TRUST_PROXY) Fastify reads the scheme and host from X-Forwarded-Proto and
    // X-Forwarded-Host: a client of https://api.example.com must be told wss://api.example.com. A host
    // that is not a plain host[:port] is never copied into the document: APP_URL's host instead.
    return buildAsyncApiDocument(
      { host: HOST.test(request.host) ? request.host : this.publicHost(), secure: request.protocol === 'https' },
      {
        socketsPerUser: this.env.SOCKET_MAX_CONNECTIONS_PER_USER,
        handshakesPerMinute: this.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
        joinTimeoutMs: SOCKET_JOIN_TIMEOUT_MS,
        replayLimit: REPLAY_LIMIT,
        maxMessageBytes: SOCKET_MAX_MESSAGE_BYTES,
      },
    );
  }

  private publicHost(): string {
    return this.env.APP_URL && URL.canParse(this.env.APP_URL) ? new URL(this.env.APP_URL).host : 'localhost';
  }
}

/** A DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
