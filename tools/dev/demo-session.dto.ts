import { ApiProperty } from '@nestjs/swagger';

export class DemoUserDto {
  @ApiProperty({ type: String, example: '1' })
  id: string;

  @ApiProperty({ enum: ['client', 'moderator', 'admin'], example: 'client' })
  role: 'client' | 'moderator' | 'admin';

  @ApiProperty({ type: String, example: 'Demo Client' })
  name: string;

  @ApiProperty({ type: String, example: 'client@demo.local' })
  email: string;

  @ApiProperty({ type: String, description: 'A bearer token for this user, living JWT_MAX_TTL_SECONDS' })
  token: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt: string;
}

export class DemoSessionDto {
  @ApiProperty({ type: String, example: '1', description: 'The demo profile, run by the demo moderator' })
  profileId: string;

  @ApiProperty({ type: String, example: 'Sophie (demo)' })
  profileName: string;

  @ApiProperty({ type: [DemoUserDto] })
  users: DemoUserDto[];
}
