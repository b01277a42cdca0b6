import { Injectable } from '@nestjs/common';
import { Pack, PackChanges, PacksService } from '../points/packs.service';
import { AdminError } from './admin.errors';
import { AdminPackDto, CreatePackDto, UpdatePackDto } from './dto/admin-pack.dto';

/** The catalogue as operators see and change it; writes go through the points module's PacksService. */
@Injectable()
export class AdminPacksService {
  constructor(private readonly packs: PacksService) {}

  async list(): Promise<AdminPackDto[]> {
    return (await this.packs.listAll()).map(toDto);
  }

  async create(body: CreatePackDto): Promise<AdminPackDto> {
    const pack = await this.packs.create({ code: body.code, points: body.points, amountCents: body.amount_cents, currency: body.currency });
    if (!pack) throw AdminError.packCodeTaken(body.code);
    return toDto(pack);
  }

  async update(code: string, body: UpdatePackDto): Promise<AdminPackDto> {
    const changes: PackChanges = {
      ...(body.points !== undefined && { points: body.points }),
      ...(body.amount_cents !== undefined && { amountCents: body.amount_cents }),
      ...(body.active !== undefined && { active: body.active }),
    };
    if (Object.keys(changes).length === 0) throw AdminError.nothingToChange();
    const pack = await this.packs.update(code, changes);
    if (!pack) throw AdminError.packNotFound(code);
    return toDto(pack);
  }
}

function toDto(pack: Pack): AdminPackDto {
  return {
    code: pack.code,
    points: pack.points,
    amountCents: pack.amountCents,
    currency: pack.currency,
    active: pack.active,
    sortOrder: pack.sortOrder,
    createdAt: pack.createdAt.toISOString(),
    updatedAt: pack.updatedAt.toISOString(),
  };
}
