import { Injectable } from '@nestjs/common';
import { AuthUser } from '../auth/auth-user';
import { formatMoney } from '../common/money';
import type { ReaderLanguage } from '../common/reader-language';
import { Env } from '../config/env.schema';
import { InteractionsService } from '../interactions/interactions.service';
import { ProfilesService } from '../profiles/profiles.service';
import { ProfilePointsDto } from './dto/profile-points.dto';
import { LotsService } from './lots/lots.service';
import { PacksService } from './packs.service';

@Injectable()
export class PointsService {
  constructor(
    private readonly packs: PacksService,
    private readonly profiles: ProfilesService,
    private readonly interactions: InteractionsService,
    private readonly lots: LotsService,
    private readonly env: Env,
  ) {}

  async profilePoints(caller: AuthUser, profileId: string, language: ReaderLanguage = 'fr'): Promise<ProfilePointsDto> {
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
        price: formatMoney(pack.amountCents, pack.currency, language),
      })),
      publishableKey: this.env.STRIPE_PUBLISHABLE_KEY ?? '',
      balance: await this.balanceOf(interaction),
    };
  }

  private async balanceOf(interaction: { id: string; pointsBalance: number; totalPointsReceived: number } | null) {
    if (!interaction) return { points: 0, totalPointsReceived: 0, promotionalPoints: 0, frozenPoints: 0, spendable: 0 };
    const kinds = (await this.lots.unspentKinds([interaction.id])).get(interaction.id) ?? { promotional: 0, frozen: 0 };
    return {
      points: interaction.pointsBalance,
      totalPointsReceived: interaction.totalPointsReceived,
      promotionalPoints: kinds.promotional,
      frozenPoints: kinds.frozen,
      spendable: Math.max(0, interaction.pointsBalance - kinds.frozen),
    };
  }
}
