import { OutboxEvent } from '../events/outbox-event.entity';
import { Interaction } from '../interactions/entities/interaction.entity';
import { Notification } from '../notifications/entities/notification.entity';
import { PointTransaction } from '../payments/entities/point-transaction.entity';
import { StripeEventRecord } from '../payments/entities/stripe-event.entity';
import { LedgerTransfer } from '../points/entities/ledger-transfer.entity';
import { PointLot, PointLotEntry } from '../points/entities/point-lot.entity';
import { PointPack } from '../points/entities/point-pack.entity';
import { PointSpend } from '../points/entities/point-spend.entity';
import { Profile } from '../profiles/profile.entity';
import { User } from '../users/user.entity';

export const ENTITIES = [User, Profile, PointPack, LedgerTransfer, PointSpend, PointLot, PointLotEntry, Interaction, PointTransaction, StripeEventRecord, OutboxEvent, Notification];
