import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The one body of every error answer of every app. `status` pairs with the gateway's
 * `{"status":"success",…}`; `statusCode`, `error` and `message` are the fields NestJS and Fastify
 * clients already read. Routes may add fields of their own (the gateway's `deadLettered`).
 */
export class ErrorResponseDto {
  @ApiProperty({ enum: ['error'], example: 'error' })
  status: 'error';

  @ApiProperty({ example: 400, description: 'the HTTP status again' })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request', description: 'the status text' })
  error: string;

  @ApiProperty({
    example: 'limit must be an integer number',
    description: 'what went wrong, for a person; several problems are joined with "; "',
  })
  message: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['limit must be an integer number'],
    description: 'on validation errors: one message per bad parameter',
  })
  details?: string[];
}
