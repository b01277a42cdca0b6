import { HttpStatus } from '@nestjs/common';
import { moduleError } from '../../src/common/app-error';

export enum DevelopmentErrorCode {
  DemoDataMissing = 'DEMO_DATA_MISSING',
  LocalOnly = 'DEMO_SESSION_LOCAL_ONLY',
}

export class DevelopmentError extends moduleError<DevelopmentErrorCode>({
  [DevelopmentErrorCode.DemoDataMissing]: HttpStatus.NOT_FOUND,
  [DevelopmentErrorCode.LocalOnly]: HttpStatus.FORBIDDEN,
}) {
  static demoDataMissing(): DevelopmentError {
    return new DevelopmentError(
      DevelopmentErrorCode.DemoDataMissing,
      'There is no demo data in this database: run `npm run demo:seed` (npm start creates it on the embedded database)',
    );
  }

  static localOnly(): DevelopmentError {
    return new DevelopmentError(
      DevelopmentErrorCode.LocalOnly,
      'Demo tokens are handed out to this machine only (a connection from 127.0.0.1 or ::1, to http://localhost or 127.0.0.1)',
    );
  }
}
