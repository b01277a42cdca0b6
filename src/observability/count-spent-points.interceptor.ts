import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { SpendResponseDto } from '../points/dto/spend.dto';
import { PointsController } from '../points/points.controller';
import { MetricsService } from './metrics.service';

/**
 * `points_spent_total`. Spending publishes no domain event yet, so the answer of the spend route is
 * counted: it leaves after the spend's transaction committed, and `replayed` tells a repeated
 * idempotency key (spent once, counted once) from a new spend.
 */
@Injectable()
export class CountSpentPointsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getHandler() !== PointsController.prototype.spend) return next.handle();
    return next.handle().pipe(
      tap((answer: unknown) => {
        const spend = answer as Partial<SpendResponseDto> | undefined;
        if (spend?.replayed === false && typeof spend.points === 'number') this.metrics.countSpent(spend.points);
      }),
    );
  }
}
