import { ApiProperty } from '@nestjs/swagger';

export class DemoUserDto {
  @ApiProperty({ example: '1' })
  id: string;

  @ApiProperty({ enum: ['client', 'moderator', 'admin'], example: 'client' })
  role: 'client' | 'moderator' | 'admin';

  @ApiProperty({ example: 'Demo Client' })
  name: string;

  @ApiProperty({ example: 'client@demo.local' })
  email: string;

  @ApiProperty({ description: 'A bearer token for this user, living JWT_MAX_TTL_SECONDS' })
  token: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt: string;
}

export class DemoSessionDto {
  @ApiProperty({ example: '1', description: 'The demo profile, run by the demo moderator' })
  profileId: string;

  @ApiProperty({ example: 'Sophie (demo)' })
  profileName: string;

  @ApiProperty({ type: [DemoUserDto] })
  users: DemoUserDto[];
}
