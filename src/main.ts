import 'reflect-metadata';
import { runService } from './bootstrap';

/**
 * The service as production runs it (`node dist/src/main.js`, the image's command): on the database
 * and Stripe account its settings name, nothing else. `npm start` runs tools/dev/main.ts instead,
 * which adds the embedded database, the Stripe emulator and the demo data.
 */
runService();
