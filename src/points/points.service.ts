import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuthUser } from '../auth/auth-user';
import { formatMoney } from '../common/money';
import { Env } from '../config/env.schema';
import { InteractionsService } from '../interactions/interactions.service';
import { ProfilesService } from '../profiles/profiles.service';
import { ProfilePointsDto } from './dto/profile-points.dto';
import { PacksService } from './packs.service';

@Injectable()
export class PointsService {
  constructor(
    private readonly packs: PacksService,
    private readonly profiles: ProfilesService,
    private readonly interactions: InteractionsService,
    private readonly config: ConfigService<Env, true>,
  ) {}

  async profilePoints(caller: AuthUser, profileId: string): Promise<ProfilePointsDto> {
    const profile = await this.profiles.get(profileId);
    const [packs, interaction] = await Promise.all([
      this.packs.listActive(),
      this.interactions.findByClientAndProfile(caller.id, profile.id),
    ]);
    return {
      profile: { id: profile.id, name: profile.name },
      packs: packs.map((pack) => ({
        code: pack.code,
        points: pack.points,
        amountCents: pack.amountCents,
        currency: pack.currency,
        price: formatMoney(pack.amountCents, pack.currency),
      })),
      publishableKey: this.config.get('STRIPE_PUBLISHABLE_KEY', { infer: true }) ?? '',
      balance: { points: interaction?.pointsBalance ?? 0, totalPointsReceived: interaction?.totalPointsReceived ?? 0 },
    };
  }
}
