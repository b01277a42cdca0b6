import { Module } from '@nestjs/common';
import { TokenModule } from '../auth/token.module';
import { InteractionsModule } from '../interactions/interactions.module';
import { PayoutsModule } from '../payouts/payouts.module';
import { PointsModule } from '../points/points.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { UsersModule } from '../users/users.module';
import { ImportController } from './import.controller';
import { ImportService } from './import/import.service';
import { IntegrationController } from './integration.controller';
import { IntegrationGuard } from './integration.guard';
import { IntegrationService } from './integration.service';

/**
 * The platform's backend (SPEC §10): its users and profiles (one at a time, or an NDJSON import),
 * its clients' balances and spends, behind INTEGRATION_TOKEN. Owns no table.
 */
@Module({
  imports: [TokenModule, UsersModule, ProfilesModule, InteractionsModule, PointsModule, PayoutsModule],
  controllers: [IntegrationController, ImportController],
  providers: [IntegrationService, ImportService, IntegrationGuard],
})
export class IntegrationModule {}
