import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error';

export enum PointsErrorCode {
  UnknownPack = 'UNKNOWN_PACK',
}

const STATUS: Record<PointsErrorCode, HttpStatus> = {
  [PointsErrorCode.UnknownPack]: HttpStatus.BAD_REQUEST,
};

export class PointsError extends AppError {
  get status(): HttpStatus {
    return STATUS[this.code as PointsErrorCode];
  }

  static unknownPack(code: string, available: string[]): PointsError {
    return new PointsError(
      PointsErrorCode.UnknownPack,
      `pack "${code}" is not sold; choose one of: ${available.join(', ')}`,
    );
  }
}
