import 'reflect-metadata';
import { runService } from '../../src/bootstrap';
import { DevelopmentError } from './development.errors';
import { developmentModules } from './development.module';
import { startLocalServices } from './local-services';

/**
 * The service as `npm start` and `npm run start:dev` run it: src/main.ts's service plus what only a
 * developer's machine has, which the production build (src/ alone) never holds. Outside production,
 * for what is not configured: the embedded PostgreSQL and the Stripe emulator, then the demo data;
 * with NODE_ENV=development the demo picker's route (GET /dev/demo-session). With NODE_ENV=production
 * it adds nothing and runs as src/main.ts does.
 */
runService({ startLocalServices, modules: developmentModules, errorClasses: [DevelopmentError] });
