import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/errors/fhir-error.js';
import { TerminologyRegistry, type Concept } from '../../src/search/terminology/index.js';

// ---------------------------------------------------------------------------------------------------
// A hand-made hierarchical code system. Nesting (3 levels below `body`) plus `parent`/`child` links:
//   body ─ head ─ skull ─ mandible
//        │      └ brain                    organ-system=nervous
//        ├ trunk ─ thorax ─ heart          organ-system=circulatory
//        │       │        ├ lung           paired, organ-system=respiratory
//        │       │        └ diaphragm*     (parent: thorax AND abdomen) organ-system=respiratory
//        │       └ abdomen ─ liver         organ-system=digestive
//        └ limb ─ arm ─ hand ─ finger*     (finger: parent hand) paired ×3
//               └ leg* ─ foot*             (leg: parent limb, child foot) paired ×2
// (* declared at the top level, linked by properties). Document order:
// body head skull mandible brain trunk thorax heart lung abdomen liver limb arm hand finger leg foot diaphragm
// ---------------------------------------------------------------------------------------------------
const BODY = 'http://example.org/fhir/CodeSystem/body-site';
const VS = 'http://example.org/fhir/ValueSet/';
const ALL_BODY = 'body head skull mandible brain trunk thorax heart lung abdomen liver limb arm hand finger leg foot diaphragm';

const code = (c: string) => ({ code: c });
const prop = (p: string, value: string | boolean) =>
  typeof value === 'boolean' ? { code: p, valueBoolean: value } : { code: p, valueCode: value };

const bodySite = {
  resourceType: 'CodeSystem',
  url: BODY,
  version: '1.0',
  status: 'active',
  content: 'complete',
  caseSensitive: true,
  hierarchyMeaning: 'is-a',
  property: [
    { code: 'parent', uri: 'http://hl7.org/fhir/concept-properties#parent', type: 'code' },
    { code: 'child', uri: 'http://hl7.org/fhir/concept-properties#child', type: 'code' },
    { code: 'paired', type: 'boolean' },
    { code: 'organ-system', type: 'code' },
  ],
  concept: [
    {
      code: 'body',
      concept: [
        { code: 'head', concept: [{ code: 'skull', concept: [code('mandible')] }, { code: 'brain', property: [prop('organ-system', 'nervous')] }] },
        {
          code: 'trunk',
          concept: [
            {
              code: 'thorax',
              concept: [
                { code: 'heart', property: [prop('organ-system', 'circulatory')] },
                { code: 'lung', property: [prop('paired', true), prop('organ-system', 'respiratory')] },
              ],
            },
            { code: 'abdomen', concept: [{ code: 'liver', property: [prop('organ-system', 'digestive')] }] },
          ],
        },
        { code: 'limb', concept: [{ code: 'arm', property: [prop('paired', true)], concept: [{ code: 'hand', property: [prop('paired', true)] }] }] },
      ],
    },
    { code: 'finger', property: [prop('parent', 'hand'), prop('paired', true)] },
    { code: 'leg', property: [prop('parent', 'limb'), prop('child', 'foot'), prop('paired', true)] },
    { code: 'foot', property: [prop('paired', true)] },
    { code: 'diaphragm', property: [prop('parent', 'thorax'), prop('parent', 'abdomen'), prop('organ-system', 'respiratory')] },
  ],
};

/** A case-insensitive system: codes match in any case and come back as declared. */
const UNITS = 'http://example.org/fhir/CodeSystem/units';
const units = {
  resourceType: 'CodeSystem',
  url: UNITS,
  content: 'complete',
  caseSensitive: false,
  concept: [
    { code: 'Volume', concept: [code('mL'), code('L')] },
    { code: 'Mass', concept: [code('mg'), code('kg')] },
  ],
};

/** Only part of a system: enough for listed codes, not for whole-system includes or filters. */
const FRAGMENT = 'http://example.org/fhir/CodeSystem/fragment';
const fragment = { resourceType: 'CodeSystem', url: FRAGMENT, content: 'fragment', concept: [{ code: 'x', concept: [code('y')] }] };

type Include = Record<string, unknown>;
const valueSet = (name: string, include: Include[], exclude?: Include[], extra: Record<string, unknown> = {}) => ({
  resourceType: 'ValueSet',
  url: VS + name,
  status: 'active',
  compose: { include, ...(exclude ? { exclude } : {}) },
  ...extra,
});
const filter = (property: string, op: string, value: string) => ({ property, op, value });
const body = (more: Include = {}): Include => ({ system: BODY, ...more });

const VALUE_SETS = [
  valueSet('list', [body({ concept: [code('heart'), code('lung'), code('liver')] })]),
  valueSet('all', [body()]),
  valueSet('is-a', [body({ filter: [filter('concept', 'is-a', 'thorax')] })]),
  valueSet('descendent-of', [body({ filter: [filter('concept', 'descendent-of', 'limb')] })]),
  valueSet('eq', [body({ filter: [filter('concept', '=', 'brain')] })]),
  valueSet('in', [body({ filter: [filter('concept', 'in', 'skull, brain,nope')] })]),
  valueSet('is-not-a', [body({ filter: [filter('concept', 'is-not-a', 'trunk')] })]),
  valueSet('generalizes', [body({ filter: [filter('concept', 'generalizes', 'hand')] })]),
  valueSet('child-of', [body({ filter: [filter('concept', 'child-of', 'thorax')] })]),
  valueSet('leaf', [body({ filter: [filter('concept', 'descendent-leaf', 'head')] })]),
  valueSet('not-in', [body({ filter: [filter('concept', 'is-a', 'head'), filter('concept', 'not-in', 'head,skull')] })]),
  valueSet('prop-eq', [body({ filter: [filter('organ-system', '=', 'respiratory')] })]),
  valueSet('prop-in', [body({ filter: [filter('organ-system', 'in', 'nervous,digestive')] })]),
  valueSet('prop-not-in', [body({ filter: [filter('concept', 'is-a', 'trunk'), filter('organ-system', 'not-in', 'respiratory')] })]),
  valueSet('exists', [body({ filter: [filter('paired', 'exists', 'true')] })]),
  valueSet('not-exists', [body({ filter: [filter('concept', 'is-a', 'head'), filter('organ-system', 'exists', 'false')] })]),
  valueSet('two-filters', [body({ filter: [filter('concept', 'is-a', 'limb'), filter('paired', '=', 'true')] })]),
  valueSet('exclude', [body({ filter: [filter('concept', 'is-a', 'trunk')] })], [
    body({ concept: [code('liver')] }),
    body({ filter: [filter('concept', 'is-a', 'thorax')] }),
  ]),
  valueSet('union', [{ valueSet: [VS + 'is-a'] }, body({ concept: [code('brain'), code('heart')] })]),
  valueSet('intersection', [{ valueSet: [VS + 'is-a', VS + 'prop-eq'] }]),
  valueSet('system-and-value-set', [body({ filter: [filter('concept', 'is-a', 'trunk')], valueSet: [VS + 'exists'] })]),
  valueSet('exclude-value-set', [body({ filter: [filter('concept', 'is-a', 'limb')] })], [{ valueSet: [VS + 'exists'] }]),
  valueSet('nested', [{ valueSet: [VS + 'union'] }], [body({ concept: [code('lung')] })]),
  valueSet('units', [{ system: UNITS, concept: [code('ML'), code('KG')] }]),
  valueSet('units-exclude', [{ system: UNITS }], [{ system: UNITS, concept: [code('ml')] }, { system: UNITS, filter: [filter('concept', 'is-a', 'MASS')] }]),
  valueSet('two-systems', [body({ concept: [code('heart')] }), { system: UNITS, filter: [filter('concept', 'child-of', 'volume')] }]),
  valueSet('unregistered-system', [{ system: 'http://snomed.info/sct', concept: [code('80891009'), code('39607008')] }]),
  valueSet('fragment-list', [{ system: FRAGMENT, concept: [code('x'), code('not-in-fragment')] }]),
  valueSet('empty', [body({ filter: [filter('organ-system', '=', 'lymphatic')] })]),
  // A complete expansion wins over compose (which would give `heart`); nested `contains` are flattened,
  // code-less grouping entries skipped, duplicates dropped.
  valueSet('expanded', [body({ concept: [code('heart')] })], undefined, {
    expansion: {
      timestamp: '2024-01-01T00:00:00Z',
      total: 4,
      contains: [
        { system: BODY, code: 'head', contains: [{ system: BODY, code: 'brain' }] },
        { abstract: true, display: 'group', contains: [{ system: UNITS, code: 'mL' }, { system: 'http://loinc.org', code: '8867-4' }] },
        { system: BODY, code: 'head' },
      ],
    },
  }),
  // A paged expansion cannot answer membership: compose is used instead.
  valueSet('paged', [body({ concept: [code('heart')] })], undefined, {
    expansion: { timestamp: '2024-01-01T00:00:00Z', total: 100, offset: 0, contains: [{ system: BODY, code: 'lung' }] },
  }),
];

function registry(): TerminologyRegistry {
  const t = new TerminologyRegistry();
  for (const r of [bodySite, units, fragment, ...VALUE_SETS]) t.register(r);
  return t;
}

const codes = (concepts: Concept[] | undefined): string | undefined => concepts?.map((c) => c.code).join(' ');

/** Runs `f` and returns the FhirError it throws. */
function fhirError(f: () => unknown): FhirError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FhirError);
    return e as FhirError;
  }
  throw new Error('expected a FhirError');
}

describe('expand: compose against the body-site code system', () => {
  const t = registry();
  it.each<[string, string]>([
    ['list', 'heart lung liver'],
    ['all', ALL_BODY],
    ['is-a', 'thorax heart lung diaphragm'],
    ['descendent-of', 'arm hand finger leg foot'],
    ['eq', 'brain'],
    ['in', 'skull brain'],
    ['is-not-a', 'body head skull mandible brain limb arm hand finger leg foot'],
    ['generalizes', 'body limb arm hand'],
    ['child-of', 'heart lung diaphragm'],
    ['leaf', 'mandible brain'],
    ['not-in', 'mandible brain'],
    ['prop-eq', 'lung diaphragm'],
    ['prop-in', 'brain liver'],
    ['prop-not-in', 'trunk thorax heart abdomen liver'],
    ['exists', 'lung arm hand finger leg foot'],
    ['not-exists', 'head skull mandible'],
    ['two-filters', 'arm hand finger leg foot'],
    ['exclude', 'trunk abdomen'],
    ['union', 'thorax heart lung diaphragm brain'],
    ['intersection', 'lung diaphragm'],
    ['system-and-value-set', 'lung'],
    ['exclude-value-set', 'limb'],
    ['nested', 'thorax heart diaphragm brain'],
    ['empty', ''],
  ])('%s → %s', (name, expected) => {
    const result = t.expand(VS + name);
    expect(codes(result)).toBe(expected);
    expect(result?.every((c) => c.system === BODY)).toBe(true);
  });
});

describe('expand: other sources of concepts', () => {
  const t = registry();
  it.each<[string, Concept[]]>([
    // Case-insensitive system: listed in any case, returned as declared; excludes compare the same way.
    ['units', [{ system: UNITS, code: 'mL' }, { system: UNITS, code: 'kg' }]],
    ['units-exclude', [{ system: UNITS, code: 'Volume' }, { system: UNITS, code: 'L' }]],
    ['two-systems', [{ system: BODY, code: 'heart' }, { system: UNITS, code: 'mL' }, { system: UNITS, code: 'L' }]],
    // Listed codes need no registered code system (nor every code in a fragment).
    ['unregistered-system', [{ system: 'http://snomed.info/sct', code: '80891009' }, { system: 'http://snomed.info/sct', code: '39607008' }]],
    ['fragment-list', [{ system: FRAGMENT, code: 'x' }, { system: FRAGMENT, code: 'not-in-fragment' }]],
    ['expanded', [{ system: BODY, code: 'head' }, { system: BODY, code: 'brain' }, { system: UNITS, code: 'mL' }, { system: 'http://loinc.org', code: '8867-4' }]],
    ['paged', [{ system: BODY, code: 'heart' }]],
  ])('%s', (name, expected) => {
    expect(t.expand(VS + name)).toEqual(expected);
  });

  it('unknown value sets give undefined', () => {
    expect(t.expand(VS + 'nope')).toBeUndefined();
    expect(t.expand(BODY)).toBeUndefined(); // a code system is not a value set
    expect(t.hasValueSet(VS + 'all')).toBe(true);
    expect(t.hasValueSet(BODY)).toBe(false);
    expect(t.hasCodeSystem(BODY)).toBe(true);
    expect(t.hasCodeSystem(VS + 'all')).toBe(false);
  });

  it('callers get their own copies of cached expansions', () => {
    const first = t.expand(VS + 'list')!;
    first.pop();
    first[0]!.code = 'changed';
    expect(codes(t.expand(VS + 'list'))).toBe('heart lung liver');
  });
});

describe(':below / :above', () => {
  const t = registry();
  it.each<[string, string, string]>([
    ['body', ALL_BODY, 'body'],
    ['head', 'head skull mandible brain', 'body head'],
    ['mandible', 'mandible', 'body head skull mandible'],
    ['trunk', 'trunk thorax heart lung abdomen liver diaphragm', 'body trunk'],
    ['thorax', 'thorax heart lung diaphragm', 'body trunk thorax'],
    ['limb', 'limb arm hand finger leg foot', 'body limb'],
    // Linked by properties only: `parent` (finger, leg, diaphragm) and `child` (leg → foot).
    ['finger', 'finger', 'body limb arm hand finger'],
    ['leg', 'leg foot', 'body limb leg'],
    ['foot', 'foot', 'body limb leg foot'],
    ['diaphragm', 'diaphragm', 'body trunk thorax abdomen diaphragm'],
    // Codes the system does not define (matching is case-sensitive here) give just themselves.
    ['tail', 'tail', 'tail'],
    ['HEAD', 'HEAD', 'HEAD'],
  ])('%s: below = %s; above = %s', (c, below, above) => {
    expect(t.descendantsOrSelf(BODY, c)?.join(' ')).toBe(below);
    expect(t.ancestorsOrSelf(BODY, c)?.join(' ')).toBe(above);
  });

  it.each<[string, string, string]>([
    ['volume', 'Volume mL L', 'Volume'],
    ['ML', 'mL', 'Volume mL'],
    ['KG', 'kg', 'Mass kg'],
  ])('case-insensitive system: %s → below %s, above %s (as declared)', (c, below, above) => {
    expect(t.descendantsOrSelf(UNITS, c)?.join(' ')).toBe(below);
    expect(t.ancestorsOrSelf(UNITS, c)?.join(' ')).toBe(above);
  });

  it('unknown systems give undefined; versioned canonicals work', () => {
    expect(t.descendantsOrSelf('http://example.org/nope', 'x')).toBeUndefined();
    expect(t.ancestorsOrSelf('http://example.org/nope', 'x')).toBeUndefined();
    expect(t.descendantsOrSelf(`${BODY}|1.0`, 'leg')).toEqual(['leg', 'foot']);
    expect(t.descendantsOrSelf(`${BODY}|2.0`, 'leg')).toBeUndefined();
    expect(t.descendantsOrSelf(FRAGMENT, 'x')).toEqual(['x', 'y']); // a fragment still answers what it knows
  });

  it('a cycle of parent links does not loop', () => {
    const cyclic = new TerminologyRegistry();
    cyclic.register({
      resourceType: 'CodeSystem',
      url: 'http://example.org/cyclic',
      content: 'complete',
      concept: [{ code: 'a', property: [prop('parent', 'c')], concept: [{ code: 'b', concept: [code('c')] }] }],
    });
    expect(cyclic.descendantsOrSelf('http://example.org/cyclic', 'b')).toEqual(['a', 'b', 'c']);
    expect(cyclic.ancestorsOrSelf('http://example.org/cyclic', 'a')).toEqual(['a', 'b', 'c']);
  });
});

describe('expand: failures are 400', () => {
  const bad: Array<[string, Include[], Include[] | undefined, RegExp]> = [
    ['whole unregistered system', [{ system: 'http://loinc.org' }], undefined, /needs code system http:\/\/loinc.org, which is not registered/],
    ['filter on unregistered system', [{ system: 'http://loinc.org', filter: [filter('concept', 'is-a', 'x')] }], undefined, /not registered/],
    ['whole fragment', [{ system: FRAGMENT }], undefined, /content is 'fragment', not 'complete'/],
    ['filter on fragment', [{ system: FRAGMENT, filter: [filter('concept', 'is-a', 'x')] }], undefined, /not 'complete'/],
    ['listed code not in a complete system', [body({ concept: [code('heart'), code('tail')] })], undefined, /code 'tail' is not defined/],
    ['unknown included value set', [{ valueSet: [VS + 'nope'] }], undefined, /value set .*nope is not registered/],
    ['unknown excluded value set', [body()], [{ valueSet: [VS + 'nope'] }], /nope is not registered/],
    ['unsupported operator', [body({ filter: [filter('concept', 'regex', 'h.*')] })], undefined, /operator this registry does not implement/],
    ['hierarchy operator on a property', [body({ filter: [filter('organ-system', 'is-a', 'nervous')] })], undefined, /does not implement/],
    ['is-a an unknown code', [body({ filter: [filter('concept', 'is-a', 'tail')] })], undefined, /'tail' is not a code/],
    ['exists with a non-boolean', [body({ filter: [filter('paired', 'exists', 'maybe')] })], undefined, /true or false/],
    ['filter on a pinned code system version that is not registered', [body({ version: '9', filter: [filter('concept', 'is-a', 'head')] })], undefined, /body-site\|9, which is not registered/],
  ];
  it.each(bad)('%s', (_, include, exclude, message) => {
    const t = registry();
    t.register(valueSet('bad', include, exclude));
    const e = fhirError(() => t.expand(VS + 'bad'));
    expect(e.status).toBe(400);
    expect(e.message).toMatch(message);
    expect(e.outcome.issue[0]?.severity).toBe('error');
  });

  it('an unsupported filter is reported as not-supported', () => {
    const t = registry();
    t.register(valueSet('bad', [body({ filter: [filter('concept', 'regex', 'h.*')] })]));
    expect(fhirError(() => t.expand(VS + 'bad')).outcome.issue[0]?.code).toBe('not-supported');
  });

  it.each<[string, Record<string, unknown>[], string, RegExp]>([
    ['a value set including itself', [valueSet('self', [{ valueSet: [VS + 'self'] }])], 'self', /self includes itself/],
    [
      'a cycle through two value sets',
      [valueSet('a', [body({ concept: [code('heart')] }), { valueSet: [VS + 'b'] }]), valueSet('b', [{ valueSet: [VS + 'a'] }])],
      'b',
      /b includes itself: .*b → .*a → .*b/,
    ],
    ['a cycle through an exclude', [valueSet('x', [body()], [{ valueSet: [VS + 'y'] }]), valueSet('y', [{ valueSet: [VS + 'x'] }])], 'x', /includes itself/],
    ['a value set with neither compose nor expansion', [{ resourceType: 'ValueSet', url: VS + 'bare', status: 'draft' }], 'bare', /neither compose nor expansion/],
    [
      'a paged expansion without compose',
      [{ resourceType: 'ValueSet', url: VS + 'page', status: 'draft', expansion: { timestamp: '2024-01-01T00:00:00Z', offset: 20, contains: [{ system: BODY, code: 'head' }] } }],
      'page',
      /partial \(paged\) expansion/,
    ],
  ])('%s', (_, resources, name, message) => {
    const t = registry();
    for (const r of resources) t.register(r);
    const e = fhirError(() => t.expand(VS + name));
    expect(e.status).toBe(400);
    expect(e.message).toMatch(message);
  });

  it('a shared value set included twice is not a cycle', () => {
    const t = registry();
    t.register(valueSet('diamond', [{ valueSet: [VS + 'is-a'] }, { valueSet: [VS + 'is-a', VS + 'exists'] }]));
    expect(codes(t.expand(VS + 'diamond'))).toBe('thorax heart lung diaphragm');
  });
});

describe('register: malformed resources are 400', () => {
  const cs = (more: Record<string, unknown>) => ({ resourceType: 'CodeSystem', url: 'http://example.org/cs', content: 'complete', ...more });
  const vs = (compose: unknown, more: Record<string, unknown> = {}) => ({ resourceType: 'ValueSet', url: VS + 'm', compose, ...more });
  it.each<[string, unknown, RegExp]>([
    ['null', null, /must be a JSON object/],
    ['an array', [bodySite], /must be a JSON object/],
    ['a string', 'ValueSet', /must be a JSON object/],
    ['another resource type', { resourceType: 'Patient', url: 'http://example.org/p' }, /not Patient/],
    ['no resourceType', { url: 'http://example.org/p' }, /Only ValueSet and CodeSystem/],
    ['ValueSet without url', { resourceType: 'ValueSet', compose: { include: [{ system: BODY }] } }, /ValueSet.url is required/],
    ['ValueSet url with a version', { resourceType: 'ValueSet', url: `${VS}m|1`, compose: { include: [{ system: BODY }] } }, /must not carry a \|version/],
    ['ValueSet url not a string', { resourceType: 'ValueSet', url: 42 }, /ValueSet.url is required/],
    ['compose not an object', vs([{ system: BODY }]), /ValueSet.compose must be a JSON object/],
    ['compose without include', vs({}), /compose.include is required/],
    ['compose with empty include', vs({ include: [] }), /include must be a non-empty array/],
    ['include not an array', vs({ include: { system: BODY } }), /include must be a non-empty array/],
    ['include with neither system nor valueSet (vsd-1)', vs({ include: [{ version: '1' }] }), /vsd-1/],
    ['concepts without system (vsd-2)', vs({ include: [{ valueSet: [VS + 'all'], concept: [code('head')] }] }), /vsd-2/],
    ['filter without system (vsd-2)', vs({ include: [{ valueSet: [VS + 'all'], filter: [filter('concept', 'is-a', 'head')] }] }), /vsd-2/],
    ['both concepts and filters (vsd-3)', vs({ include: [body({ concept: [code('head')], filter: [filter('concept', 'is-a', 'head')] })] }), /vsd-3/],
    ['concept without code', vs({ include: [body({ concept: [{ display: 'Head' }] })] }), /include\[0\]\.concept\[0\]\.code is required/],
    ['filter without op', vs({ include: [body({ filter: [{ property: 'concept', value: 'head' }] })] }), /filter\[0\]\.op is required/],
    ['filter with empty value', vs({ include: [body({ filter: [filter('concept', 'is-a', '')] })] }), /filter\[0\]\.value is required/],
    ['valueSet entry not a canonical', vs({ include: [{ valueSet: [42] }] }), /valueSet\[0\] must be a canonical/],
    ['bad exclude', vs({ include: [body()], exclude: [{}] }), /exclude\[0\] must have a system or a valueSet/],
    ['system not a string', vs({ include: [{ system: { url: BODY } }] }), /include\[0\]\.system must be a non-empty string/],
    ['expansion entry with a code and no system', { resourceType: 'ValueSet', url: VS + 'm', expansion: { contains: [{ code: 'head' }] } }, /vsd-10/],
    ['expansion total not an integer', { resourceType: 'ValueSet', url: VS + 'm', expansion: { total: 'many' } }, /total must be a non-negative integer/],
    ['CodeSystem without url', { resourceType: 'CodeSystem', content: 'complete' }, /CodeSystem.url is required/],
    ['CodeSystem without content', { resourceType: 'CodeSystem', url: 'http://example.org/cs' }, /CodeSystem.content is required/],
    ['CodeSystem with unknown content', cs({ content: 'everything' }), /not a code of codesystem-content-mode/],
    ['caseSensitive not a boolean', cs({ caseSensitive: 'no' }), /caseSensitive must be a boolean/],
    ['concept without code', cs({ concept: [{ display: 'x' }] }), /concept\[0\]\.code is required/],
    ['nested concepts not an array', cs({ concept: [{ code: 'a', concept: { code: 'b' } }] }), /concept\[0\]\.concept must be a non-empty array/],
    ['duplicate code (nested)', cs({ concept: [{ code: 'a', concept: [code('b')] }, code('b')] }), /defines code 'b' twice/],
    ['duplicate code by case in a case-insensitive system', cs({ caseSensitive: false, concept: [code('a'), code('A')] }), /defines code 'A' twice/],
    ['parent link to an undefined code in a complete system', cs({ concept: [{ code: 'a', property: [prop('parent', 'z')] }] }), /parent 'z', which the system does not define/],
    ['property without a value', cs({ concept: [{ code: 'a', property: [{ code: 'parent' }] }] }), /exactly one value\[x\]/],
    ['property with two values', cs({ concept: [{ code: 'a', property: [{ code: 'p', valueCode: 'x', valueString: 'y' }] }] }), /exactly one value\[x\]/],
  ])('%s', (_, resource, message) => {
    const e = fhirError(() => new TerminologyRegistry().register(resource));
    expect(e.status).toBe(400);
    expect(e.outcome.issue[0]?.code).toBe('invalid');
    expect(e.message).toMatch(message);
  });

  it('names the element at fault', () => {
    const e = fhirError(() => new TerminologyRegistry().register(vs({ include: [body({ concept: [{ display: 'Head' }] })] })));
    expect(e.outcome.issue[0]?.expression).toEqual(['ValueSet.compose.include[0].concept[0].code']);
  });

  it('a fragment may link to codes it does not hold (the links are dropped)', () => {
    const t = new TerminologyRegistry();
    t.register(cs({ content: 'fragment', concept: [{ code: 'a', property: [prop('parent', 'z')] }] }));
    expect(t.ancestorsOrSelf('http://example.org/cs', 'a')).toEqual(['a']);
  });

  it('a failed registration leaves the registry as it was', () => {
    const t = registry();
    expect(codes(t.expand(VS + 'list'))).toBe('heart lung liver');
    expect(() => t.register(vs({ include: [{}] }, { url: VS + 'list' }))).toThrow(FhirError);
    expect(codes(t.expand(VS + 'list'))).toBe('heart lung liver');
  });
});

describe('versions and re-registration', () => {
  const V = VS + 'versioned';
  const versioned = (version: string | undefined, c: string) => ({
    ...valueSet('versioned', [body({ concept: [code(c)] })]),
    ...(version === undefined ? {} : { version }),
  });

  it.each<[string, string | undefined, boolean]>([
    [V, 'lung', true], // highest version: 1.10.0 > 1.9.0 > 1.0.0 > unversioned
    [`${V}|1.0.0`, 'heart', true],
    [`${V}|1.9.0`, 'brain', true],
    [`${V}|1.10.0`, 'lung', true],
    [`${V}|`, 'lung', true], // an empty version is no version
    [`${V}|2.0.0`, undefined, false],
    [`${V}|1.0`, undefined, false],
  ])('%s → %s', (canonical, expected, known) => {
    const t = registry();
    for (const [version, c] of [[undefined, 'liver'], ['1.0.0', 'heart'], ['1.10.0', 'lung'], ['1.9.0', 'brain']] as const) t.register(versioned(version, c));
    expect(codes(t.expand(canonical))).toBe(expected);
    expect(t.hasValueSet(canonical)).toBe(known);
  });

  it('an unversioned definition is used only when no versioned one is held', () => {
    const t = registry();
    t.register(versioned(undefined, 'liver'));
    expect(codes(t.expand(V))).toBe('liver');
    t.register(versioned('0.1', 'heart'));
    expect(codes(t.expand(V))).toBe('heart');
  });

  it('includes can pin value set and code system versions', () => {
    const t = registry();
    t.register(versioned('1.0.0', 'heart'));
    t.register(versioned('2.0.0', 'lung'));
    t.register({ ...bodySite, version: '2.0', concept: [...bodySite.concept, { code: 'tail', property: [prop('parent', 'body')] }] });
    t.register(valueSet('pinned', [{ valueSet: [`${V}|1.0.0`] }, body({ version: '1.0', filter: [filter('concept', 'child-of', 'body')] })]));
    t.register(valueSet('latest', [{ valueSet: [V] }, body({ filter: [filter('concept', 'child-of', 'body')] })]));
    expect(codes(t.expand(VS + 'pinned'))).toBe('heart head trunk limb');
    expect(codes(t.expand(VS + 'latest'))).toBe('lung head trunk limb tail');
    expect(t.descendantsOrSelf(`${BODY}|1.0`, 'tail')).toEqual(['tail']); // not defined in 1.0: just itself
  });

  it('re-registering a value set replaces it (and its cached expansion)', () => {
    const t = registry();
    t.register(versioned('1', 'heart'));
    expect(codes(t.expand(V))).toBe('heart');
    t.register(versioned('1', 'lung'));
    expect(codes(t.expand(V))).toBe('lung');
    expect(codes(t.expand(`${V}|1`))).toBe('lung');
  });

  it('re-registering a code system changes the expansions and hierarchy that depend on it', () => {
    const t = registry();
    expect(codes(t.expand(VS + 'is-a'))).toBe('thorax heart lung diaphragm');
    expect(codes(t.expand(VS + 'union'))).toBe('thorax heart lung diaphragm brain');
    t.register({ ...bodySite, concept: [{ code: 'body', concept: [{ code: 'thorax', concept: [code('heart')] }, code('brain')] }] });
    expect(codes(t.expand(VS + 'is-a'))).toBe('thorax heart');
    expect(codes(t.expand(VS + 'union'))).toBe('thorax heart brain'); // cached through a nested value set too
    expect(t.descendantsOrSelf(BODY, 'body')).toEqual(['body', 'thorax', 'heart', 'brain']);
  });

  it('registering a missing code system repairs an expansion that failed', () => {
    const t = new TerminologyRegistry();
    t.register(valueSet('later', [{ system: 'http://example.org/later' }]));
    expect(fhirError(() => t.expand(VS + 'later')).status).toBe(400);
    t.register({ resourceType: 'CodeSystem', url: 'http://example.org/later', content: 'complete', concept: [code('a')] });
    expect(t.expand(VS + 'later')).toEqual([{ system: 'http://example.org/later', code: 'a' }]);
  });

  it('later changes to a registered object do not reach the registry', () => {
    const t = new TerminologyRegistry();
    const mutable = valueSet('mutable', [body({ concept: [code('heart')] })]);
    t.register(bodySite);
    t.register(mutable);
    mutable.compose.include[0]!['concept'] = [code('lung')];
    expect(codes(t.expand(VS + 'mutable'))).toBe('heart');
  });
});
