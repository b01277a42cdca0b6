import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { Env } from '../config/env.schema';

type IoServerOptions = Parameters<IoAdapter['createIOServer']>[1];

/** The socket.io server of the gateway, with the edge's limits. */
export class EdgeIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly env: Env,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: IoServerOptions): ReturnType<IoAdapter['createIOServer']> {
    return super.createIOServer(port, options);
  }
}
