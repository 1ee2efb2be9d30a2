import type { Jurisdiction } from '../rules';

/*
 * EXAMPLES ONLY. "Example State" and "Example City" are not real jurisdictions and these
 * amendments are not anybody's adopted code: they show the overlay mechanism with changes
 * of the kind states and cities really make (keeping an older, stricter value; replacing
 * a model-code exception or a whole section with their own), each with its effective date.
 */

export const EXAMPLE_STATE: Jurisdiction = {
  id: 'EXAMPLE-STATE',
  name: 'Example State (illustrative amendments, not a real code)',
  parent: 'IBC-2021',
  example: true,
  amendments: [
    {
      id: 'EXS-2022-01',
      title: 'State adoption of IBC 2021 with amendments',
      effective: '2022-07-01',
      source: 'Example State Building Code 2022, Chapter 10 amendments (illustrative)',
      changes: [
        // A stricter value than the model code: sprinklered Group B travel distance 250 ft instead of 300.
        { op: 'replace', rule: 'IBC-1017.2', path: 'limit.byGroup.B.sprinklered', value: 250 },
      ],
    },
    {
      id: 'EXS-2024-01',
      title: 'Dead-end corridors in sprinklered buildings',
      effective: '2024-01-01',
      source: 'Example State Building Code, supplement 2024-1 (illustrative)',
      changes: [
        // The state replaces the model code's 50 ft for listed groups with 30 ft for every group.
        { op: 'delete-exception', rule: 'IBC-1020.5', exception: 'sprinklered-groups' },
        {
          op: 'add-exception',
          rule: 'IBC-1020.5',
          exception: {
            id: 'EXS-sprinklered-30',
            description: 'Example State: any group, sprinklered per NFPA 13: 30 ft',
            when: { sprinkler: ['nfpa13'] },
            value: 30,
          },
        },
      ],
    },
  ],
};

export const EXAMPLE_CITY: Jurisdiction = {
  id: 'EXAMPLE-CITY',
  name: 'Example City, Example State (illustrative amendments, not a real code)',
  parent: 'EXAMPLE-STATE',
  example: true,
  amendments: [
    {
      id: 'EXC-2023-01',
      title: 'City amendments to the state building code',
      effective: '2023-04-01',
      source: 'Example City Municipal Code, Title 15 (illustrative)',
      changes: [
        // Keeps the pre-2018 IBC business factor of 100 sq ft per occupant: more occupants counted.
        { op: 'replace', rule: 'IBC-1004.5', path: 'factors.business.sqftPerOccupant', value: 100 },
        // Stricter again than the state's 250 ft.
        { op: 'replace', rule: 'IBC-1017.2', path: 'limit.byGroup.B.sprinklered', value: 200 },
        {
          op: 'add-rule',
          rule: {
            id: 'EXC-1011.2.1',
            kind: 'limit',
            section: 'EXC 15.10.1011.2.1',
            title: 'Stairway width in buildings of three or more stories',
            summary: 'In buildings of three or more stories every stairway is at least 48 in wide.',
            source: 'Example City Municipal Code 15.10.1011.2.1 (illustrative)',
            severity: 'error',
            appliesWhen: { storiesAtLeast: 3 },
            target: 'stair',
            measure: 'widthIn',
            label: 'width',
            bound: 'min',
            unit: 'in',
            limit: 48,
            exceptions: [],
          },
        },
      ],
    },
    {
      id: 'EXC-2025-01',
      title: 'City dead-end corridor section replaces IBC 1020.5',
      effective: '2025-07-01',
      source: 'Example City Municipal Code 15.10.1020.5 (illustrative)',
      changes: [
        { op: 'delete-rule', rule: 'IBC-1020.5' },
        {
          op: 'add-rule',
          rule: {
            id: 'EXC-1020.5',
            kind: 'limit',
            section: 'EXC 15.10.1020.5',
            title: 'Dead-end corridors (city)',
            summary: 'Dead-end corridors are at most 25 ft long, whatever the group or sprinkler system.',
            source: 'Example City Municipal Code 15.10.1020.5 (illustrative)',
            severity: 'error',
            target: 'corridor',
            measure: 'deadEndFt',
            label: 'dead end',
            bound: 'max',
            unit: 'ft',
            limit: 25,
            exceptions: [],
          },
        },
      ],
    },
  ],
};
