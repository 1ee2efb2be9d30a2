import type { GroupLimitRow, RulePack } from '../rules';
import type { SprinklerSystem } from '../vocabulary';

/*
 * IBC-2021: the means-of-egress requirements of the 2021 International Building Code
 * (International Code Council, first printing October 2020), Chapter 10, plus the clear
 * width of accessible routes from the 2010 ADA Standards for Accessible Design.
 *
 * Every number is transcribed from the section or table named next to it. Where a table
 * column is marked NP ("not permitted") the value here is null. Where a table footnote
 * limits "sprinklered" to NFPA 13 (IBC 903.3.1.1) instead of NFPA 13 or 13R (903.3.1.1 or
 * 903.3.1.2), the row says so in `sprinklerSystems`.
 */

/** IBC 903.3.1.1 (NFPA 13) or 903.3.1.2 (NFPA 13R). NFPA 13D never counts in Chapter 10. */
const NFPA_13_OR_13R: readonly SprinklerSystem[] = ['nfpa13', 'nfpa13r'];
/** IBC 903.3.1.1 only. */
const NFPA_13: readonly SprinklerSystem[] = ['nfpa13'];

/** One table row shared by several groups ("A, E, F-1, M, R, S-1" in Table 1017.2). */
function rows<T>(groups: string[], row: T): Record<string, T> {
  return Object.fromEntries(groups.map((group) => [group, row]));
}

const travelRow = (
  unsprinklered: number | null,
  sprinklered: number,
  sprinklerSystems: readonly SprinklerSystem[],
): GroupLimitRow => ({ unsprinklered, sprinklered, sprinklerSystems });

const singleExitRow = (
  maxOccupantLoad: number,
  small: number | null,
  large: number | null,
  sprinklered: number,
  sprinklerSystems = NFPA_13_OR_13R,
) => ({
  maxOccupantLoad,
  commonPathFt: { unsprinkleredSmallLoad: small, unsprinkleredLargeLoad: large, sprinklered },
  sprinklerSystems,
});

/** Voice/alarm + sprinklers relax egress capacity, except in Groups H and I-2 (1005.3.1 and 1005.3.2, Exception 1). */
const SPRINKLER_AND_VOICE = { sprinkler: NFPA_13_OR_13R, voiceAlarm: true, notGroups: ['H', 'I-2'] };

export const IBC_2021: RulePack = {
  id: 'IBC-2021',
  edition: '2021 International Building Code',
  publisher: 'International Code Council',
  sources: [
    'IBC 2021 Chapter 10 (Means of Egress): Sections 1004.5, 1005.3.1, 1005.3.2, 1006.2.1, 1006.2.1.1, 1006.3.3, 1010.1.1, 1011.2, 1017.2, 1020.3, 1020.5; Tables 1004.5, 1006.2.1, 1006.3.3, 1017.2, 1020.3',
    '2010 ADA Standards for Accessible Design (28 CFR 35.151 and 36 Subpart D), Section 403.5.1',
  ],
  notModelled: [
    'Stories with one exit (1006.3.4, Tables 1006.3.4(1) and (2)): a story with one exit is reported by IBC-1006.3.3 and may still be acceptable under 1006.3.4.',
    'Fixed seating (1004.6), mall buildings (402.8), assembly aisles (1029) and the other Table 1004.5 uses not in the plan format.',
    'Exit separation (1007), distribution of capacity across exits (1005.5), and the dead-end exception for corridors shorter than 2.5 times their width (1020.5 Exception 3).',
    'The narrower exceptions of 1010.1.1, 1011.2 and ADA 403.5.1 (closets, spiral stairs, 32 in for 24 in lengths) that the plan format cannot describe.',
  ],
  rules: [
    {
      id: 'IBC-1004.5',
      kind: 'occupant-load',
      section: 'IBC 1004.5',
      title: 'Occupant load by function of space',
      summary:
        'The occupant load of a space is its floor area divided by the Table 1004.5 factor for its function, rounded up. A net area where the table calls for gross under-counts and is flagged.',
      source: 'IBC 2021 Section 1004.5 and Table 1004.5 (Maximum Floor Area Allowances per Occupant)',
      severity: 'warning',
      factors: {
        business: { sqftPerOccupant: 150, basis: 'gross', tableRow: 'Business areas' },
        'assembly-unconcentrated': {
          sqftPerOccupant: 15,
          basis: 'net',
          tableRow: 'Assembly without fixed seats, unconcentrated (tables and chairs)',
        },
        'assembly-concentrated': {
          sqftPerOccupant: 7,
          basis: 'net',
          tableRow: 'Assembly without fixed seats, concentrated (chairs only, not fixed)',
        },
        'assembly-standing': {
          sqftPerOccupant: 5,
          basis: 'net',
          tableRow: 'Assembly without fixed seats, standing space',
        },
        exhibit: { sqftPerOccupant: 30, basis: 'net', tableRow: 'Assembly, exhibit gallery and museum' },
        classroom: { sqftPerOccupant: 20, basis: 'net', tableRow: 'Educational, classroom area' },
        shop: { sqftPerOccupant: 50, basis: 'net', tableRow: 'Educational, shops and other vocational room areas' },
        'day-care': { sqftPerOccupant: 35, basis: 'net', tableRow: 'Day care' },
        exercise: { sqftPerOccupant: 50, basis: 'gross', tableRow: 'Exercise rooms' },
        mercantile: { sqftPerOccupant: 60, basis: 'gross', tableRow: 'Mercantile' },
        residential: { sqftPerOccupant: 200, basis: 'gross', tableRow: 'Residential' },
        'kitchen-commercial': { sqftPerOccupant: 200, basis: 'gross', tableRow: 'Kitchens, commercial' },
        industrial: { sqftPerOccupant: 100, basis: 'gross', tableRow: 'Industrial areas' },
        'library-reading': { sqftPerOccupant: 50, basis: 'net', tableRow: 'Library, reading rooms' },
        'library-stacks': { sqftPerOccupant: 100, basis: 'gross', tableRow: 'Library, stack area' },
        parking: { sqftPerOccupant: 200, basis: 'gross', tableRow: 'Parking garages' },
        'storage-accessory': {
          sqftPerOccupant: 300,
          basis: 'gross',
          tableRow: 'Accessory storage areas, mechanical equipment room',
        },
        warehouse: { sqftPerOccupant: 500, basis: 'gross', tableRow: 'Warehouses' },
      },
    },
    {
      id: 'IBC-1006.2.1',
      kind: 'single-exit-space',
      section: 'IBC 1006.2.1',
      title: 'Spaces with one exit or exit access doorway',
      summary:
        'A space may have a single exit or exit access doorway only while its occupant load and its common path of egress travel stay within Table 1006.2.1 for its group and sprinkler status.',
      source:
        'IBC 2021 Section 1006.2.1 and Table 1006.2.1 (Spaces with One Exit or Exit Access Doorway), footnotes a and b',
      severity: 'error',
      smallLoadMax: 30,
      byGroup: {
        ...rows(['A', 'E', 'M'], singleExitRow(49, 75, 75, 75)),
        B: singleExitRow(49, 100, 75, 100),
        F: singleExitRow(49, 75, 75, 100),
        'H-1': singleExitRow(3, null, null, 25, NFPA_13),
        'H-2': singleExitRow(3, null, null, 100, NFPA_13),
        'H-3': singleExitRow(3, null, null, 100, NFPA_13),
        ...rows(['H-4', 'H-5'], singleExitRow(3, null, null, 75, NFPA_13)),
        ...rows(['I-1', 'I-2', 'I-4'], singleExitRow(10, null, null, 75)),
        'I-3': singleExitRow(10, null, null, 100),
        'R-1': singleExitRow(10, null, null, 75),
        ...rows(['R-2', 'R-3', 'R-4'], singleExitRow(20, null, null, 125)),
        S: singleExitRow(29, 100, 75, 100),
        U: singleExitRow(49, 100, 75, 75),
      },
    },
    {
      id: 'IBC-1006.3.3',
      kind: 'exit-count',
      section: 'IBC 1006.3.3',
      title: 'Exits required by occupant load',
      summary:
        'Occupant load 1-500 needs 2 exits, 501-1,000 needs 3, over 1,000 needs 4, for each story (Table 1006.3.3) and each space (1006.2.1.1); a space of 500 or fewer may have one where Table 1006.2.1 allows.',
      source:
        'IBC 2021 Section 1006.3.3 and Table 1006.3.3 (Minimum Number of Exits or Access to Exits per Story); Section 1006.2.1.1',
      severity: 'error',
      scopes: ['space', 'story'],
      tiers: [
        { maxOccupantLoad: 500, exits: 2 },
        { maxOccupantLoad: 1000, exits: 3 },
        { maxOccupantLoad: null, exits: 4 },
      ],
    },
    {
      id: 'IBC-1005.3.1',
      kind: 'egress-capacity',
      section: 'IBC 1005.3.1',
      title: 'Stairway egress capacity',
      summary:
        'The stairways serving a story are together at least 0.3 in wide per occupant of that story, each story considered individually.',
      source: 'IBC 2021 Section 1005.3.1 and Exception 1',
      severity: 'error',
      components: ['story-stairs'],
      inchesPerOccupant: 0.3,
      exceptions: [
        {
          id: 'sprinkler-and-voice',
          description:
            'Sprinklered per NFPA 13 or 13R with an emergency voice/alarm system, not Group H or I-2: 0.2 in per occupant',
          when: SPRINKLER_AND_VOICE,
          value: 0.2,
        },
      ],
    },
    {
      id: 'IBC-1005.3.2',
      kind: 'egress-capacity',
      section: 'IBC 1005.3.2',
      title: 'Egress capacity of other components',
      summary:
        'Doors, corridors and other egress components other than stairways are at least 0.2 in wide per occupant served.',
      source: 'IBC 2021 Section 1005.3.2 and Exception 1',
      severity: 'error',
      components: ['space-exit-doors', 'corridors', 'story-exit-doors'],
      inchesPerOccupant: 0.2,
      exceptions: [
        {
          id: 'sprinkler-and-voice',
          description:
            'Sprinklered per NFPA 13 or 13R with an emergency voice/alarm system, not Group H or I-2: 0.15 in per occupant',
          when: SPRINKLER_AND_VOICE,
          value: 0.15,
        },
      ],
    },
    {
      id: 'IBC-1010.1.1',
      kind: 'limit',
      section: 'IBC 1010.1.1',
      title: 'Door clear width',
      summary: 'Means of egress doors provide a clear opening width of at least 32 in.',
      source: 'IBC 2021 Section 1010.1.1',
      severity: 'error',
      target: 'door',
      measure: 'clearWidthIn',
      label: 'clear width',
      bound: 'min',
      unit: 'in',
      limit: 32,
      exceptions: [],
    },
    {
      id: 'IBC-1020.3',
      kind: 'limit',
      section: 'IBC 1020.3',
      title: 'Corridor width',
      summary:
        'Corridors are at least 44 in wide; 36 in where they serve fewer than 50 occupants; 72 in in Group E where they serve 100 or more.',
      source: 'IBC 2021 Section 1020.3 and Table 1020.3 (Minimum Corridor Width)',
      severity: 'error',
      target: 'corridor',
      measure: 'widthIn',
      label: 'width',
      bound: 'min',
      unit: 'in',
      limit: 44,
      exceptions: [
        {
          id: 'load-under-50',
          description: 'Occupant load served under 50: 36 in',
          when: { loadServedBelow: 50 },
          value: 36,
        },
        {
          id: 'group-e-100',
          description: 'Group E, occupant load served 100 or more: 72 in',
          when: { groups: ['E'], loadServedAtLeast: 100 },
          value: 72,
        },
      ],
    },
    {
      id: 'IBC-1020.5',
      kind: 'limit',
      section: 'IBC 1020.5',
      title: 'Dead-end corridors',
      summary:
        'Dead-end corridors are at most 20 ft long; 50 ft in Groups B, E, F, I-1, M, R-1, R-2, S and U in buildings sprinklered throughout per NFPA 13.',
      source: 'IBC 2021 Section 1020.5 and Exception 2',
      severity: 'error',
      target: 'corridor',
      measure: 'deadEndFt',
      label: 'dead end',
      bound: 'max',
      unit: 'ft',
      limit: 20,
      exceptions: [
        {
          id: 'sprinklered-groups',
          description: 'Groups B, E, F, I-1, M, R-1, R-2, S, U sprinklered per NFPA 13: 50 ft',
          when: { groups: ['B', 'E', 'F', 'I-1', 'M', 'R-1', 'R-2', 'S', 'U'], sprinkler: NFPA_13 },
          value: 50,
        },
      ],
    },
    {
      id: 'IBC-1017.2',
      kind: 'limit',
      section: 'IBC 1017.2',
      title: 'Exit access travel distance',
      summary:
        'Exit access travel distance stays within Table 1017.2 for the group and sprinkler status (e.g. Group B: 200 ft, 300 ft sprinklered per NFPA 13).',
      source: 'IBC 2021 Section 1017.2 and Table 1017.2 (Exit Access Travel Distance), footnotes b, c and d',
      severity: 'error',
      target: 'space',
      measure: 'travelDistanceFt',
      label: 'exit access travel distance',
      bound: 'max',
      unit: 'ft',
      limit: {
        byGroup: {
          ...rows(['A', 'E', 'F-1', 'M', 'R', 'S-1'], travelRow(200, 250, NFPA_13_OR_13R)),
          'I-1': travelRow(null, 250, NFPA_13),
          B: travelRow(200, 300, NFPA_13),
          ...rows(['F-2', 'S-2', 'U'], travelRow(300, 400, NFPA_13)),
          'H-1': travelRow(null, 75, NFPA_13),
          'H-2': travelRow(null, 100, NFPA_13),
          'H-3': travelRow(null, 150, NFPA_13),
          'H-4': travelRow(null, 175, NFPA_13),
          'H-5': travelRow(null, 200, NFPA_13),
          ...rows(['I-2', 'I-3'], travelRow(null, 200, NFPA_13)),
          'I-4': travelRow(150, 200, NFPA_13),
        },
      },
      exceptions: [],
    },
    {
      id: 'IBC-1011.2',
      kind: 'limit',
      section: 'IBC 1011.2',
      title: 'Stairway width',
      summary: 'Stairways are at least 44 in wide; 36 in where they serve fewer than 50 occupants.',
      source: 'IBC 2021 Section 1011.2 and Exception 1',
      severity: 'error',
      target: 'stair',
      measure: 'widthIn',
      label: 'width',
      bound: 'min',
      unit: 'in',
      limit: 44,
      exceptions: [
        {
          id: 'load-under-50',
          description: 'Occupant load served under 50: 36 in',
          when: { loadServedBelow: 50 },
          value: 36,
        },
      ],
    },
    {
      id: 'ADA-403.5.1',
      kind: 'limit',
      section: 'ADA 403.5.1',
      title: 'Accessible route clear width',
      summary: 'The clear width of walking surfaces on an accessible route is at least 36 in.',
      source: '2010 ADA Standards for Accessible Design, Section 403.5.1',
      severity: 'error',
      target: 'accessibleRoute',
      measure: 'clearWidthIn',
      label: 'clear width',
      bound: 'min',
      unit: 'in',
      limit: 36,
      exceptions: [],
    },
  ],
};
