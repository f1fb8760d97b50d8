import { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

export interface RecordPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ChangesPage<T> {
  items: T[];
  nextCursor: string;
  hasMore: boolean;
}

export type EntityPage<T> = RecordPage<T>;

// swagger needs a named class per item type; these build one, e.g. `class X extends RecordPageDto(Item) {}`

export function RecordPageDto<T>(item: Type<T>): Type<RecordPage<T>> {
  class Page implements RecordPage<T> {
    @ApiProperty({ type: [item], description: 'ordered by (recordedAt, eventId)' })
    items: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      description:
        'pass as `cursor` (with the same from and to) for the next page; null when the range is exhausted',
    })
    nextCursor: string | null;
  }
  return Page;
}

export function ChangesPageDto<T>(item: Type<T>): Type<ChangesPage<T>> {
  class Page implements ChangesPage<T> {
    @ApiProperty({ type: [item], description: 'in ingestion order (seq)' })
    items: T[];

    @ApiProperty({
      description:
        "pass as `after` next time: the last item's seq, or the `after` given when nothing was new",
    })
    nextCursor: string;

    @ApiProperty({ description: 'true when more records were already waiting: ask again at once' })
    hasMore: boolean;
  }
  return Page;
}

export function EntityPageDto<T>(item: Type<T>): Type<EntityPage<T>> {
  class Page implements EntityPage<T> {
    @ApiProperty({ type: [item], description: 'ordered by id' })
    items: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      description: 'pass as `cursor` for the next page; null on the last page',
    })
    nextCursor: string | null;
  }
  return Page;
}

export class GapDto {
  @ApiProperty({ description: 'the last reading before the silence, or the range start' })
  from: string;

  @ApiProperty({ description: 'the first reading after the silence, or the range end' })
  to: string;

  @ApiProperty({ description: 'to − from, in seconds' })
  seconds: number;

  @ApiProperty({
    description:
      'true when no reading precedes the gap within the range: it starts at the range start',
  })
  fromRangeStart: boolean;

  @ApiProperty({
    description: 'true when no reading follows the gap within the range: it ends at the range end',
  })
  toRangeEnd: boolean;
}

export class GapReportDto {
  @ApiProperty({ description: 'the range examined, inclusive' })
  from: string;

  @ApiProperty({ description: 'the range examined, exclusive' })
  to: string;

  @ApiProperty()
  minGapSeconds: number;

  @ApiProperty({
    type: [GapDto],
    description:
      'silences longer than minGapSeconds, in time order; the range edges count (see fromRangeStart, toRangeEnd)',
  })
  gaps: GapDto[];

  @ApiProperty({ description: 'true when there were more gaps than returned: narrow the range' })
  truncated: boolean;
}
