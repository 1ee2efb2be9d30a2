import { EXAMPLE_CITY, EXAMPLE_STATE } from './packs/example-overlays';
import { IBC_2021 } from './packs/ibc-2021';
import type { Jurisdiction } from './rules';

/** The model code adopted as published: a plan may name `IBC-2021` as its jurisdiction. */
export const IBC_2021_AS_PUBLISHED: Jurisdiction = {
  id: 'IBC-2021',
  name: '2021 International Building Code, as published (no amendments)',
  pack: IBC_2021,
  amendments: [],
};

/** Every jurisdiction this build knows, root first. A real adoption is one more entry with its parent. */
export const JURISDICTIONS: readonly Jurisdiction[] = [IBC_2021_AS_PUBLISHED, EXAMPLE_STATE, EXAMPLE_CITY];
