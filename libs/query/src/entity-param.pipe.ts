import { BadRequestException, PipeTransform } from '@nestjs/common';
import { isStorableText } from '@app/contracts';

export interface EntityParamRule {
  /** e.g. trim and upper-case a VIN, as the ingest path stores it */
  normalize: (value: string) => string;
  valid: (value: string) => boolean;
  /** names the parameter: `vin must be …` */
  message: string;
}

/** normalizes and checks a path parameter naming an entity (VIN, device id); 400 otherwise */
export class EntityParamPipe implements PipeTransform<unknown, string> {
  constructor(private readonly rule: EntityParamRule) {}

  transform(value: unknown): string {
    const normalized = typeof value === 'string' ? this.rule.normalize(value) : '';
    // whatever a rule allows, PostgreSQL refuses U+0000 and lone surrogates as parameters
    if (!isStorableText(normalized) || !this.rule.valid(normalized))
      throw new BadRequestException([this.rule.message]);
    return normalized;
  }
}
