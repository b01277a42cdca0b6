import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Auth } from '../auth/auth.decorators';
import { ApiErrorResponse } from '../common/error-response.dto';
import { Role } from '../users/user-role';
import { AdminPacksService } from './admin-packs.service';
import { AdminPackDto, CreatePackDto, PackCodeParams, UpdatePackDto } from './dto/admin-pack.dto';

@ApiTags('admin')
@Controller('admin/packs')
export class AdminPacksController {
  constructor(private readonly packs: AdminPacksService) {}

  @Get()
  @Auth(Role.Admin)
  @ApiOperation({ summary: 'Every pack of the catalogue, inactive ones included' })
  @ApiOkResponse({ type: [AdminPackDto] })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'never for this route; listed for the error shape' })
  list(): Promise<AdminPackDto[]> {
    return this.packs.list();
  }

  @Post()
  @Auth(Role.Admin)
  @ApiOperation({ summary: 'Add a pack to the catalogue (active, last in order)' })
  @ApiCreatedResponse({ type: AdminPackDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED, MALFORMED_JSON, or AMOUNT_NOT_CHARGEABLE (a three-decimal currency priced off its step of 10)' })
  @ApiConflictResponse({ type: ApiErrorResponse, description: 'PACK_CODE_TAKEN' })
  create(@Body() body: CreatePackDto): Promise<AdminPackDto> {
    return this.packs.create(body);
  }

  @Put(':code')
  @Auth(Role.Admin)
  @ApiOperation({
    summary: "Change a pack's points, price or availability",
    description: 'Applies to checkouts started afterwards: a pending checkout keeps the points and price copied onto it when it started.',
  })
  @ApiOkResponse({ type: AdminPackDto })
  @ApiBadRequestResponse({ type: ApiErrorResponse, description: 'VALIDATION_FAILED, MALFORMED_JSON, NOTHING_TO_CHANGE or AMOUNT_NOT_CHARGEABLE' })
  @ApiNotFoundResponse({ type: ApiErrorResponse, description: 'PACK_NOT_FOUND' })
  update(@Param() params: PackCodeParams, @Body() body: UpdatePackDto): Promise<AdminPackDto> {
    return this.packs.update(params.code, body);
  }
}
