import { Controller, Get, Req } from '@nestjs/common';
import { ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest as Request } from 'fastify';
import { Public } from '../../src/auth/auth.decorators';
import { ApiErrorResponse } from '../../src/common/error-response.dto';
import { DemoSessionDto } from './demo-session.dto';
import { DemoSessionService } from './demo-session.service';

@ApiTags('development')
@Controller('dev')
export class DemoSessionController {
  constructor(private readonly demo: DemoSessionService) {}

  @Get('demo-session')
  @Public()
  @ApiOperation({
    summary: 'Development only: the demo users with fresh tokens, for the reference client’s picker',
    description: 'Registered when NODE_ENV=development only: production never serves it. Answers requests from this machine only.',
  })
  @ApiOkResponse({ type: DemoSessionDto })
  @ApiForbiddenResponse({ type: ApiErrorResponse, description: 'DEMO_SESSION_LOCAL_ONLY: not from 127.0.0.1 or ::1, or not addressed to localhost' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'DEMO_DATA_MISSING: run npm run demo:seed' })
  session(@Req() request: Request): Promise<DemoSessionDto> {
    return this.demo.session(request.socket.remoteAddress, request.headers.host);
  }
}
