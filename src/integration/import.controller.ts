import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiRequestTimeoutResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NDJSON_TYPE } from '../common/body-limits';
import { whileBusy } from '../common/request-timeouts';
import { ApiErrorResponse } from '../common/error-response.dto';
import { ImportResultDto } from './dto/import-result.dto';
import { ImportService, IMPORT_BATCH_LINES, IMPORT_LINE_LIMIT_BYTES } from './import/import.service';
import { Integration } from './integration.decorators';

const EXAMPLE = [
  '{"type":"user","id":"3","role":"moderator","name":"Léa","email":"lea@example.com"}',
  '{"type":"user","id":"4021","role":"client"}',
  '{"type":"profile","id":"7","name":"Sophie","moderator_id":"3","active":true}',
].join('\n');

@Controller('integration')
@Integration()
export class ImportController {
  constructor(private readonly imports: ImportService) {}

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import users and profiles: NDJSON, one a line',
    description:
      `One JSON object a line: {"type":"user", "id", "role", "name"?, "email"?} or {"type":"profile", "id", "name", "moderator_id", "active"?}, the fields and rules of PUT /integration/users/:id and PUT /integration/profiles/:id. ` +
      `Read as a stream (up to 1 GB, lines of at most ${IMPORT_LINE_LIMIT_BYTES} bytes, no time limit while bytes keep arriving; 30 s without any: 408) and applied in batches of ${IMPORT_BATCH_LINES} lines, users before profiles within a batch: list users first. ` +
      'A refused line is named by its number and every other line is applied; the same import twice leaves the same state. Counts once against the integration rate limit.',
  })
  @ApiConsumes(NDJSON_TYPE)
  @ApiBody({ schema: { type: 'string', example: EXAMPLE } })
  @ApiOkResponse({ type: ImportResultDto })
  @ApiRequestTimeoutResponse({ type: ApiErrorResponse, description: 'REQUEST_TIMEOUT: no byte arrived for 30 s; the lines before were applied' })
  import(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ImportResultDto> {
    // The rest of a body cut short (too large, refused) is not worth reading: the connection closes after the answer.
    void reply.header('Connection', 'close');
    return this.imports.import(request.raw, request.headers, (work) => whileBusy(request.raw, work));
  }
}
