import { INestApplication, ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiErrorResponse } from './common/error-response.dto';
import { HttpExceptionFilter } from './common/http-exception.filter';

/** Everything main.ts applies to the app; tests apply the same, so they test what runs. */
export function configureApp(app: INestApplication): INestApplication {
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: true,
    }),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Profile Points')
      .setDescription(
        'Buy packs of points for chat profiles through Stripe Checkout. Every route except the Stripe webhook, ' +
          'health and these docs needs `Authorization: Bearer <JWT>` (HS256; claims `sub` = user id, `role`). ' +
          'Errors share one JSON shape (ApiErrorResponse). Realtime alerts: socket.io namespace `/notifications`, ' +
          'token in the handshake `auth.token`, `auth.lastNotificationId` to replay what was missed; events ' +
          '`points.purchased`, `points.reversed`, `points.restored` (moderators), `purchase.completed`, `payment.failed` ' +
          '(clients), each also listed by `GET /notifications` with the same id. Events and payloads: ' +
          '[AsyncAPI document](/docs/asyncapi.json) (open it in https://studio.asyncapi.com).',
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
    { extraModels: [ApiErrorResponse] },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
  return app;
}
